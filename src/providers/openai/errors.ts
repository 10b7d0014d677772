import { ProviderError, type FailureClass } from '../errors.ts';
import type { ErrorCode } from '../../server/errors.ts';

interface UpstreamErrorBody {
  message: string;
  type?: string;
  param?: string | null;
}

/**
 * The message inside an OpenAI-style error body, tolerating the variants compatible providers send:
 * `{"error":{"message"}}`, `{"error":"text"}`, `{"message":"..."}`, Mistral's `{"object":"error","message":{"detail":[...]}}`.
 */
export function parseErrorBody(text: string): UpstreamErrorBody | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const e = (typeof b.error === 'object' && b.error !== null ? b.error : b) as Record<string, unknown>;
  const message = typeof b.error === 'string' ? b.error : stringifyMessage(e.message ?? e.detail ?? e.msg);
  if (!message) return null;
  return {
    message,
    type: typeof e.type === 'string' ? e.type : undefined,
    param: typeof e.param === 'string' ? e.param : null,
  };
}

function stringifyMessage(m: unknown): string {
  if (typeof m === 'string') return m;
  if (m === undefined || m === null) return '';
  if (typeof m === 'object' && 'detail' in m) return stringifyMessage((m as { detail: unknown }).detail);
  if (Array.isArray(m)) {
    return m
      .map((d) => (d && typeof d === 'object' && 'msg' in d ? `${(d as { loc?: unknown[] }).loc?.join('.') ?? ''}: ${String((d as { msg: unknown }).msg)}` : JSON.stringify(d)))
      .join('; ');
  }
  return JSON.stringify(m);
}

/** Which status a client sees for an upstream failure, and what retry and failover may do with it. */
function classify(status: number): { failureClass: FailureClass; code: ErrorCode; status: number } {
  if (status === 401 || status === 403) return { failureClass: 'auth', code: 'PROVIDER_ERROR', status: 502 };
  if (status === 408) return { failureClass: 'timeout', code: 'PROVIDER_TIMEOUT', status: 504 };
  if (status === 429) return { failureClass: 'throttled', code: 'PROVIDER_ERROR', status: 502 };
  if (status >= 500) return { failureClass: 'transient', code: 'PROVIDER_ERROR', status: 502 };
  if (status === 404) return { failureClass: 'client', code: 'NOT_FOUND', status };
  if (status === 413) return { failureClass: 'client', code: 'PAYLOAD_TOO_LARGE', status };
  return { failureClass: 'client', code: 'INVALID_REQUEST', status };
}

/** An upstream error response → ProviderError. The client's own mistakes keep the provider's status and words. */
export function providerErrorFromResponse(provider: string, status: number, text: string, headers: Headers): ProviderError {
  const parsed = parseErrorBody(text);
  const c = classify(status);
  const detail = parsed?.message ?? (text.trim().slice(0, 300) || 'no error message');
  let message: string;
  if (c.failureClass === 'client') message = detail;
  else if (c.failureClass === 'auth') message = `Provider ${provider} rejected Dvara's credentials (upstream ${status}): ${detail}. Check the provider's api_key in the Dvara config.`;
  else if (c.failureClass === 'throttled') message = `Provider ${provider} is rate limiting Dvara (upstream 429): ${detail}`;
  else message = `Provider ${provider} failed (upstream ${status}): ${detail}`;
  return new ProviderError({
    provider,
    failureClass: c.failureClass,
    code: c.code,
    status: c.status,
    upstreamStatus: status,
    message,
    param: c.failureClass === 'client' ? parsed?.param : null,
    type: c.failureClass === 'client' ? parsed?.type : undefined,
    retryAfter: headers.get('retry-after') ?? undefined,
  });
}

/** An error object sent inside a 200 response or an SSE stream. */
export function providerErrorFromEvent(provider: string, error: unknown, redact: (text: string) => string): ProviderError {
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as Record<string, unknown>;
  const message = redact(typeof e.message === 'string' ? e.message : JSON.stringify(error));
  const clientFault = e.type === 'invalid_request_error';
  return new ProviderError({
    provider,
    failureClass: clientFault ? 'client' : 'transient',
    code: clientFault ? 'INVALID_REQUEST' : 'PROVIDER_ERROR',
    status: clientFault ? 400 : 502,
    message: clientFault ? message : `Provider ${provider} failed: ${message}`,
  });
}
