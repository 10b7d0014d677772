import { ProviderError } from '../errors.ts';
import { statusFailure } from '../status-failure.ts';

// Bedrock's errors: body `{"message":"..."}`, the exception's name in the `x-amzn-ErrorType` header
// (`ThrottlingException:http://internal.amazon.com/...`); inside a ConverseStream, an exception frame with
// `:exception-type` (providers.md 4.3, 4.7).

/** The status each exception comes with, for exceptions inside a stream (which have none of their own). */
const STATUS_OF_EXCEPTION: Record<string, number> = {
  validationexception: 400,
  accessdeniedexception: 403,
  unrecognizedclientexception: 403,
  invalidsignatureexception: 403,
  expiredtokenexception: 403,
  resourcenotfoundexception: 404,
  modeltimeoutexception: 408,
  modelerrorexception: 424,
  throttlingexception: 429,
  modelnotreadyexception: 429,
  servicequotaexceededexception: 429,
  internalserverexception: 500,
  modelstreamerrorexception: 500,
  serviceunavailableexception: 503,
};

const CREDENTIALS = 'the provider\'s AWS credentials (access_key_id/secret_access_key, AWS_* variables or profile) and region';

/** `ThrottlingException:http://...` → `ThrottlingException`. */
function exceptionName(header: string | null): string | undefined {
  return header ? header.split(':')[0]!.trim() || undefined : undefined;
}

function messageOf(text: string): string | undefined {
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    const m = b.message ?? b.Message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

function build(provider: string, status: number, name: string | undefined, detail: string, retryAfter?: string): ProviderError {
  // A model that failed to answer (424) is the provider's failure, not the client's.
  const effective = status === 424 ? 502 : status;
  const what = name ? `${status} ${name}` : String(status);
  const e = statusFailure({ provider, status: effective, what, detail, credentials: CREDENTIALS, retryAfter });
  if (effective === status) return e;
  // Classified as the 502 it becomes, but reported with the status Bedrock actually sent.
  return new ProviderError({ provider, failureClass: e.failureClass, code: e.code, status: e.status, upstreamStatus: status, message: e.message, retryAfter });
}

/** An upstream error response → ProviderError. `text` is already redacted. */
export function providerErrorFromResponse(provider: string, status: number, text: string, headers: Headers): ProviderError {
  const detail = messageOf(text) ?? (text.trim().slice(0, 300) || 'no error message');
  return build(provider, status, exceptionName(headers.get('x-amzn-errortype')), detail, headers.get('retry-after') ?? undefined);
}

/** An exception frame inside a ConverseStream. */
export function providerErrorFromException(provider: string, exceptionType: string, payload: string, redact: (text: string) => string): ProviderError {
  const status = STATUS_OF_EXCEPTION[exceptionType.toLowerCase()] ?? 500;
  return build(provider, status, exceptionType, redact(messageOf(payload) ?? (payload.slice(0, 300) || 'no error message')));
}
