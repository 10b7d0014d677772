import type { ProviderError } from '../errors.ts';
import { statusFailure } from '../status-failure.ts';

// Google's errors: `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}`, as an
// HTTP body or as one `data:` event inside a 200 stream (providers.md 3.5).

interface GoogleError {
  code?: number;
  message: string;
  status?: string;
  details?: Array<Record<string, unknown>>;
}

function errorOf(body: unknown): GoogleError | null {
  // streamGenerateContent can answer an error as a one-element array, `[{"error":{...}}]` (seen even with alt=sse).
  if (Array.isArray(body)) return body.length === 1 ? errorOf(body[0]) : null;
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>;
  if (typeof e.message !== 'string') return null;
  return {
    message: e.message,
    code: typeof e.code === 'number' ? e.code : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    details: Array.isArray(e.details) ? (e.details as Array<Record<string, unknown>>) : undefined,
  };
}

/** The status each canonical code comes with, for errors that arrive without an HTTP status (in a stream). */
const STATUS_OF_CODE: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** Google answers a bad API key with 400 INVALID_ARGUMENT: it is Dvara's credentials, not the client's request. */
function isBadKey(e: GoogleError | null): boolean {
  if (!e) return false;
  return e.details?.some((d) => d.reason === 'API_KEY_INVALID') === true || /API key (not valid|expired)/i.test(e.message);
}

/** RetryInfo's `retryDelay` ("34.4s") as Retry-After seconds. */
function retryAfterOf(e: GoogleError | null): string | undefined {
  const info = e?.details?.find((d) => typeof d['@type'] === 'string' && (d['@type'] as string).endsWith('google.rpc.RetryInfo'));
  const m = typeof info?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay) : null;
  return m ? String(Math.ceil(Number(m[1]))) : undefined;
}

function build(provider: string, status: number, e: GoogleError | null, detail: string, retryAfter?: string): ProviderError {
  const what = e?.status ? `${status} ${e.status}` : String(status);
  const credentials = "the provider's api_key (or vertex.access_token)";
  return statusFailure({ provider, status, what, detail, credentials, retryAfter, failureClass: isBadKey(e) ? 'auth' : undefined });
}

/** An upstream error response → ProviderError. `text` is already redacted. */
export function providerErrorFromResponse(provider: string, status: number, text: string, headers: Headers): ProviderError {
  let e: GoogleError | null = null;
  try {
    e = errorOf(JSON.parse(text));
  } catch {
    // an HTML page from a proxy, say: quoted below
  }
  const detail = e?.message ?? (text.trim().slice(0, 300) || 'no error message');
  return build(provider, status, e, detail, headers.get('retry-after') ?? retryAfterOf(e));
}

/** An `{"error":{...}}` event inside a 200 stream: classified by its code. */
export function providerErrorFromEvent(provider: string, error: unknown, redact: (text: string) => string): ProviderError {
  const e = errorOf(error);
  const status = e?.code ?? (e?.status ? STATUS_OF_CODE[e.status] : undefined) ?? 500;
  return build(provider, status, e, redact(e?.message ?? JSON.stringify(error)), retryAfterOf(e));
}
