import type { ErrorCode } from '../server/errors.ts';
import { ProviderError, type FailureClass } from './errors.ts';

// The HTTP-status half of mapping a translated provider's error (Anthropic, Gemini, Bedrock): which status the
// client sees, what retry and failover may do, and how the message reads. Each adapter parses its own error
// body and decides the status to classify; the wording and the table live here once.

export interface Classified {
  failureClass: FailureClass;
  code: ErrorCode;
  status: number;
}

/** An upstream HTTP status → what the client sees and what failover may do with it. */
export function classifyStatus(status: number): Classified {
  if (status === 401 || status === 402 || status === 403) return { failureClass: 'auth', code: 'PROVIDER_ERROR', status: 502 };
  if (status === 429) return { failureClass: 'throttled', code: 'PROVIDER_ERROR', status: 502 };
  if (status === 408 || status === 504) return { failureClass: 'timeout', code: 'PROVIDER_TIMEOUT', status: 504 };
  // Overloaded (Anthropic's 529, anyone's 503): the provider is up but has no capacity; OpenAI clients know 503.
  if (status === 529 || status === 503) return { failureClass: 'transient', code: 'PROVIDER_UNAVAILABLE', status: 503 };
  if (status >= 500) return { failureClass: 'transient', code: 'PROVIDER_ERROR', status: 502 };
  if (status === 404) return { failureClass: 'client', code: 'NOT_FOUND', status };
  if (status === 413) return { failureClass: 'client', code: 'PAYLOAD_TOO_LARGE', status };
  return { failureClass: 'client', code: 'INVALID_REQUEST', status };
}

export interface FailureInit {
  provider: string;
  /** The upstream's status (or the status its error type implies, for errors inside a stream). */
  status: number;
  /** How the upstream named the error, e.g. "429 RESOURCE_EXHAUSTED". */
  what: string;
  /** The upstream's own message, already redacted. */
  detail: string;
  /** What to check when Dvara's credentials were refused, e.g. "the provider's api_key". */
  credentials: string;
  retryAfter?: string;
  /** Overrides the status's class (e.g. Gemini reports a bad key as 400). */
  failureClass?: 'auth';
}

/** A ProviderError whose message says whose fault it is; the client's own mistakes keep the provider's words. */
export function statusFailure(f: FailureInit): ProviderError {
  const c = f.failureClass === 'auth' ? classifyStatus(401) : classifyStatus(f.status);
  let message: string;
  if (c.failureClass === 'client') message = f.detail;
  else if (c.failureClass === 'auth') {
    message = `Provider ${f.provider} rejected Dvara's credentials (upstream ${f.what}): ${f.detail}. Check ${f.credentials} in the Dvara config.`;
  } else if (c.failureClass === 'throttled') message = `Provider ${f.provider} is rate limiting Dvara (upstream ${f.what}): ${f.detail}`;
  else if (c.code === 'PROVIDER_UNAVAILABLE') message = `Provider ${f.provider} is overloaded (upstream ${f.what}): ${f.detail}`;
  else message = `Provider ${f.provider} failed (upstream ${f.what}): ${f.detail}`;
  return new ProviderError({
    provider: f.provider,
    failureClass: c.failureClass,
    code: c.code,
    status: c.status,
    upstreamStatus: f.status,
    message,
    retryAfter: f.retryAfter,
  });
}
