// When and how long to wait before another round of attempts. Exponential backoff with full jitter (a random
// wait between 0 and base·2^round, capped), so clients retrying together spread out; an upstream's Retry-After
// is honoured as the least wait when it is within `maxRetryAfterMs` (a longer one ends the retries: waiting
// minutes inside a request is worse than answering).

export interface RetryPolicy {
  /** Rounds over the targets after every target failed once. */
  attempts: number;
  /** Upstream calls per request, all rounds and targets together. */
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
}

/**
 * No extra rounds by default: the official SDKs already retry 5xx and 429 themselves (twice, with backoff), and
 * a gateway retrying underneath multiplies the load on a struggling provider. Failover to other targets is on.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 0, maxAttempts: 5, backoffMs: 250, maxBackoffMs: 4_000, maxRetryAfterMs: 20_000 };

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before round `round` (1 = the first retry), or null when the upstream asked for too long a wait. */
export function backoffDelay(policy: RetryPolicy, round: number, retryAfterMs: number | undefined, random = Math.random): number | null {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return null;
  const jitter = random() * Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (round - 1));
  return Math.max(jitter, retryAfterMs ?? 0);
}
