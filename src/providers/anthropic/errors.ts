import type { ProviderError } from '../errors.ts';
import { statusFailure } from '../status-failure.ts';

// Anthropic's errors: `{"type":"error","error":{"type":"invalid_request_error","message":"..."},"request_id":"..."}`
// as an HTTP body, or the same object as an SSE `error` event after a 200 (providers.md 2.5, 2.6).

interface AnthropicErrorInfo {
  type: string | undefined;
  message: string;
}

/** The type and message inside an Anthropic error body; null when the text is not one (an HTML page, say). */
export function parseAnthropicError(text: string): AnthropicErrorInfo | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  return errorInfo(body);
}

function errorInfo(body: unknown): AnthropicErrorInfo | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>;
  if (typeof e.message !== 'string') return null;
  return { type: typeof e.type === 'string' ? e.type : undefined, message: e.message };
}

/** The HTTP status each error type comes with, for errors that arrive without one (SSE `error` events). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function build(provider: string, status: number, info: AnthropicErrorInfo | null, detail: string, retryAfter?: string): ProviderError {
  const what = info?.type ? `${status} ${info.type}` : String(status);
  return statusFailure({ provider, status, what, detail, credentials: "the provider's api_key", retryAfter });
}

/** An upstream error response → ProviderError. `text` is already redacted. The client's own mistakes keep Anthropic's words. */
export function providerErrorFromResponse(provider: string, status: number, text: string, headers: Headers): ProviderError {
  const info = parseAnthropicError(text);
  const detail = info?.message ?? (text.trim().slice(0, 300) || 'no error message');
  return build(provider, status, info, detail, headers.get('retry-after') ?? undefined);
}

/** An `error` event inside a 200 stream (or an error object in a 200 body): classified by its type. */
export function providerErrorFromEvent(provider: string, error: unknown, redact: (text: string) => string): ProviderError {
  const info = errorInfo(error);
  const status = (info?.type && STATUS_OF_TYPE[info.type]) || 500;
  const detail = redact(info?.message ?? JSON.stringify(error));
  return build(provider, status, info, detail);
}
