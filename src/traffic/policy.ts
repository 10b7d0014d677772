import type { BreakerConfig, ProviderConfig, RetriesConfig, TimeoutsConfig } from '../config/schema.ts';
import { DEFAULT_BREAKER, type BreakerOptions } from './breaker.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';

// Config → the plain numbers the request path uses, compiled once at start: a provider's settings, with a
// route's overrides field by field.

/** Limits of one upstream call, in ms; an absent field is no limit (first byte: the adapter's default). */
export interface CallTimeouts {
  connectMs?: number;
  firstByteMs?: number;
  idleMs?: number;
  totalMs?: number;
}

function timeoutsOf(t: TimeoutsConfig | undefined): CallTimeouts {
  const out: CallTimeouts = {};
  if (t?.connect !== undefined) out.connectMs = t.connect;
  if (t?.first_byte !== undefined) out.firstByteMs = t.first_byte;
  if (t?.idle !== undefined) out.idleMs = t.idle;
  if (t?.total !== undefined) out.totalMs = t.total;
  return out;
}

/** A provider's timeouts (its `timeout` is the first-byte limit), with a route's `timeouts` on top. */
export function callTimeouts(provider: ProviderConfig, route?: TimeoutsConfig): CallTimeouts {
  const base = timeoutsOf(provider.timeouts);
  if (provider.timeout !== undefined && base.firstByteMs === undefined) base.firstByteMs = provider.timeout;
  return { ...base, ...timeoutsOf(route) };
}

/** Retries: the defaults, then a provider's settings, then a route's. */
export function retryPolicy(...layers: Array<RetriesConfig | undefined>): RetryPolicy {
  const p = { ...DEFAULT_RETRY };
  for (const r of layers) {
    if (!r) continue;
    if (r.attempts !== undefined) p.attempts = r.attempts;
    if (r.max_attempts !== undefined) p.maxAttempts = r.max_attempts;
    if (r.backoff !== undefined) p.backoffMs = r.backoff;
    if (r.max_backoff !== undefined) p.maxBackoffMs = r.max_backoff;
    if (r.max_retry_after !== undefined) p.maxRetryAfterMs = r.max_retry_after;
  }
  return p;
}

/** A provider's breaker settings; null when it is turned off. */
export function breakerOptions(b: BreakerConfig | undefined): BreakerOptions | null {
  if (b && !b.enabled) return null;
  return {
    failures: b?.failures ?? DEFAULT_BREAKER.failures,
    failureRate: b?.failure_rate ?? DEFAULT_BREAKER.failureRate,
    windowMs: b?.window ?? DEFAULT_BREAKER.windowMs,
    minRequests: b?.min_requests ?? DEFAULT_BREAKER.minRequests,
    cooldownMs: b?.cooldown ?? DEFAULT_BREAKER.cooldownMs,
    probes: b?.probes ?? DEFAULT_BREAKER.probes,
  };
}
