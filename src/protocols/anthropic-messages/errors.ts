import { contextHeaders, logInternal, type RequestContext } from '../../server/context.ts';
import { asDvaraError, type DvaraError, type ErrorCode } from '../../server/errors.ts';

// Errors on /v1/messages in Anthropic's shape (design/providers.md §2.5) plus Dvara's stable code, so the
// Anthropic SDKs raise the right exception class and operators still see the contract's code and trace id.

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  code: ErrorCode;
  trace_id: string;
}

/** Anthropic's error.type for a status; the SDKs pick their exception class by status, this keeps type in step. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
  }
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

export function toAnthropicErrorBody(err: DvaraError, traceId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(err.status), message: err.message }, code: err.code, trace_id: traceId };
}

/** Anthropic's responses carry `request-id`; its SDKs surface it as `_request_id`. */
export function anthropicHeaders(ctx: RequestContext): Record<string, string> {
  return { ...contextHeaders(ctx), 'request-id': ctx.requestId };
}

export function anthropicErrorResponse(ctx: RequestContext, err: unknown): Response {
  const e = asDvaraError(err);
  if (e.code === 'INTERNAL_ERROR') logInternal(ctx, err);
  return new Response(JSON.stringify(toAnthropicErrorBody(e, ctx.traceId)), {
    status: e.status,
    headers: { 'content-type': 'application/json', ...anthropicHeaders(ctx), ...e.headers },
  });
}
