// Per-key and per-tenant rate limits: requests and tokens, per minute and per day.
//
// Admission is one atomic `reserve` over every counter that applies (all-or-nothing, see counter-store.ts):
// 1 request on each request counter, and prompt + completion estimate on each token counter. After the
// response, `reconcile` adds (actual − reserved) to the token counters, once.
//
// Bound: reserve never takes a counter above its limit, so a token counter only exceeds its limit through
// reconciliation. Hence with N requests in flight, the token counter can exceed the limit by at most the sum of
// (actual − estimate) over those in-flight requests whose actual usage exceeded their estimate; while it is over,
// every new admission is refused until it drains back. Request counters are exact: never more than the limit.

import { DvaraError } from '../server/errors.ts';
import type { ApiKeyRecord } from '../store/types.ts';
import type { CounterOp, CounterState, CounterStore, ReserveResult } from './counter-store.ts';

/** Positive numbers; null, absent, 0 or negative mean "no limit". */
export interface Limits {
  rpm?: number | null;
  tpm?: number | null;
  rpd?: number | null;
  tpd?: number | null;
}

/**
 * Which limits apply. Key limits: the key record's rpm/tpm, else `keyDefaults`. Tenant limits: the tenant's
 * entry field by field, else `tenantDefaults` (an explicit null in a tenant entry means "no limit", not "default").
 * A tenant's counters are shared by all its keys.
 */
export interface LimitPolicy {
  tenants?: Readonly<Record<string, Limits>>;
  tenantDefaults?: Limits;
  keyDefaults?: Limits;
}

export interface AdmitRequest {
  keyId: string;
  tenant: string;
  record: Pick<ApiKeyRecord, 'rpm' | 'tpm'>;
  /** The token estimate, or a function computing it: called only when a token limit applies. */
  estimate: TokenEstimate | (() => TokenEstimate);
}

export interface TokenEstimate {
  prompt: number;
  completion: number;
}

export interface Admission {
  /** OpenAI's x-ratelimit-* headers for the tightest limit of each kind; empty when no limit applies. */
  readonly headers: Readonly<Record<string, string>>;
  /** Tokens reserved on every token counter (0 when no token limit applies). */
  readonly reservedTokens: number;
  /**
   * Call exactly once when the request ends. Unknown usage (null) keeps the reservation as the charge; `partial`
   * (stream cut short: usage is a lower bound) never charges less than the reservation.
   */
  reconcile(usage: { total_tokens: number } | null, partial: boolean): void | Promise<void>;
}

type Kind = 'requests' | 'tokens';

interface Counter {
  kind: Kind;
  /** The op reused on every admission for request counters (amount 1); template for token counters. */
  op: CounterOp;
  /** "key key_abc" / "tenant acme", for messages. */
  scope: string;
  per: 'minute' | 'day';
  /** Header value, formatted once. */
  limitText: string;
}

interface Plan {
  tenant: string;
  rpm: number | null;
  tpm: number | null;
  /** Request counters first, then token counters. */
  counters: Counter[];
  firstToken: number;
  minTokenLimit: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Plans are cheap to rebuild; the cap only bounds memory if key ids churn. */
const MAX_PLANS = 10_000;

const NO_LIMITS: Admission = Object.freeze({ headers: Object.freeze({}), reservedTokens: 0, reconcile: () => undefined });

export class RateLimiter {
  private readonly plans = new Map<string, Plan>();

  constructor(
    private readonly store: CounterStore,
    private policy: LimitPolicy,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Swap the policy (config reload); counters keep their state. */
  setPolicy(policy: LimitPolicy): void {
    this.policy = policy;
    this.plans.clear();
  }

  /**
   * Admits the request or throws RATE_LIMITED (429, with retry-after unless the request can never fit). Returns a
   * plain value when the store is synchronous, a promise (which may reject) otherwise: `await` it either way.
   * Store errors propagate: whether to fail open is the caller's decision.
   */
  admit(req: AdmitRequest): Admission | Promise<Admission> {
    const plan = this.planFor(req);
    const n = plan.counters.length;
    if (n === 0) return NO_LIMITS;
    let reserved = 0;
    if (plan.firstToken < n) {
      const estimate = typeof req.estimate === 'function' ? req.estimate() : req.estimate;
      const prompt = whole(estimate.prompt);
      if (prompt > plan.minTokenLimit) throw tooLarge(plan, prompt);
      // A default max_tokens must not make a request unadmittable: cap the reservation at the tightest limit.
      reserved = Math.min(prompt + whole(estimate.completion), plan.minTokenLimit);
    }
    const ops: CounterOp[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = plan.counters[i]!;
      ops[i] = c.kind === 'requests' ? c.op : { key: c.op.key, amount: reserved, limit: c.op.limit, windowMs: c.op.windowMs };
    }
    const result = this.store.reserve(ops, this.clock());
    if (isPromise(result)) return result.then((r) => this.settle(plan, ops, reserved, r));
    return this.settle(plan, ops, reserved, result);
  }

  private settle(plan: Plan, ops: CounterOp[], reserved: number, r: ReserveResult): Admission {
    const headers = headersOf(plan, r.counters);
    if (!r.ok) throw refusal(plan.counters[r.blocked]!, ops[r.blocked]!.amount, r.retryAfterMs, headers);
    const tokenOps = plan.firstToken < ops.length ? ops.slice(plan.firstToken) : null;
    return new Reservation(this.store, this.clock, tokenOps, reserved, headers);
  }

  private planFor(req: AdmitRequest): Plan {
    const cached = this.plans.get(req.keyId);
    if (cached !== undefined && cached.tenant === req.tenant && cached.rpm === req.record.rpm && cached.tpm === req.record.tpm) return cached;
    if (this.plans.size >= MAX_PLANS) this.plans.clear();
    const plan = compilePlan(this.policy, req);
    this.plans.set(req.keyId, plan);
    return plan;
  }
}

class Reservation implements Admission {
  private done = false;

  constructor(
    private readonly store: CounterStore,
    private readonly clock: () => number,
    private readonly tokenOps: CounterOp[] | null,
    readonly reservedTokens: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {}

  reconcile(usage: { total_tokens: number } | null, partial: boolean): void | Promise<void> {
    if (this.done) return;
    this.done = true;
    const actual = usage?.total_tokens;
    if (this.tokenOps === null || typeof actual !== 'number' || !(actual >= 0) || !Number.isFinite(actual)) return;
    const charge = partial ? Math.max(Math.ceil(actual), this.reservedTokens) : Math.ceil(actual);
    const delta = charge - this.reservedTokens;
    if (delta === 0) return;
    return this.store.adjust(this.tokenOps.map((o) => ({ key: o.key, amount: delta, limit: o.limit, windowMs: o.windowMs })), this.clock());
  }
}

function compilePlan(policy: LimitPolicy, req: AdmitRequest): Plan {
  const keyDefaults = policy.keyDefaults ?? {};
  const tenantDefaults = policy.tenantDefaults ?? {};
  const own = policy.tenants !== undefined && Object.hasOwn(policy.tenants, req.tenant) ? policy.tenants[req.tenant] : undefined;
  const tenantLimit = (f: keyof Limits) => (own !== undefined && f in own ? limitOf(own[f]) : limitOf(tenantDefaults[f]));
  const key = {
    rpm: limitOf(req.record.rpm) ?? limitOf(keyDefaults.rpm),
    tpm: limitOf(req.record.tpm) ?? limitOf(keyDefaults.tpm),
    rpd: limitOf(keyDefaults.rpd),
    tpd: limitOf(keyDefaults.tpd),
  };
  const tenant = { rpm: tenantLimit('rpm'), tpm: tenantLimit('tpm'), rpd: tenantLimit('rpd'), tpd: tenantLimit('tpd') };
  const counters: Counter[] = [];
  const add = (kind: Kind, limit: number | null, windowMs: number, prefix: string, scope: string, suffix: string) => {
    if (limit === null) return;
    counters.push({ kind, op: { key: `${prefix}${suffix}`, amount: 1, limit, windowMs }, scope, per: windowMs === DAY ? 'day' : 'minute', limitText: String(limit) });
  };
  const k = `k:${req.keyId}:`;
  const t = `t:${req.tenant}:`;
  const ks = `key ${req.keyId}`;
  const ts = `tenant ${req.tenant}`;
  add('requests', key.rpm, MINUTE, k, ks, 'rpm');
  add('requests', key.rpd, DAY, k, ks, 'rpd');
  add('requests', tenant.rpm, MINUTE, t, ts, 'rpm');
  add('requests', tenant.rpd, DAY, t, ts, 'rpd');
  const firstToken = counters.length;
  add('tokens', key.tpm, MINUTE, k, ks, 'tpm');
  add('tokens', key.tpd, DAY, k, ks, 'tpd');
  add('tokens', tenant.tpm, MINUTE, t, ts, 'tpm');
  add('tokens', tenant.tpd, DAY, t, ts, 'tpd');
  let minTokenLimit = Infinity;
  for (let i = firstToken; i < counters.length; i++) minTokenLimit = Math.min(minTokenLimit, counters[i]!.op.limit);
  return { tenant: req.tenant, rpm: req.record.rpm, tpm: req.record.tpm, counters, firstToken, minTokenLimit };
}

function limitOf(v: number | null | undefined): number | null {
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null;
}

function whole(v: number): number {
  return v > 0 && Number.isFinite(v) ? Math.ceil(v) : 0;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

/** The tightest counter of each kind: fewest remaining, then longest reset. */
function headersOf(plan: Plan, states: CounterState[]): Record<string, string> {
  const h: Record<string, string> = {};
  let req = -1;
  let tok = -1;
  for (let i = 0; i < states.length; i++) {
    const best = i < plan.firstToken ? req : tok;
    const s = states[i]!;
    const b = best < 0 ? undefined : states[best]!;
    if (b === undefined || s.remaining < b.remaining || (s.remaining === b.remaining && s.resetMs > b.resetMs)) {
      if (i < plan.firstToken) req = i;
      else tok = i;
    }
  }
  if (req >= 0) {
    h['x-ratelimit-limit-requests'] = plan.counters[req]!.limitText;
    h['x-ratelimit-remaining-requests'] = String(states[req]!.remaining);
    h['x-ratelimit-reset-requests'] = formatDuration(states[req]!.resetMs);
  }
  if (tok >= 0) {
    h['x-ratelimit-limit-tokens'] = plan.counters[tok]!.limitText;
    h['x-ratelimit-remaining-tokens'] = String(states[tok]!.remaining);
    h['x-ratelimit-reset-tokens'] = formatDuration(states[tok]!.resetMs);
  }
  return h;
}

function refusal(c: Counter, amount: number, retryAfterMs: number, headers: Record<string, string>): DvaraError {
  const what = `${c.op.limit} ${c.kind} per ${c.per}`;
  if (!Number.isFinite(retryAfterMs)) {
    return new DvaraError('RATE_LIMITED', `Request too large for ${c.scope}: it needs ${amount} ${c.kind}, over the limit of ${what}.`, { headers });
  }
  // The tolerance keeps float drift (28800000.000000004 ms) from adding a second.
  const secs = Math.max(1, Math.ceil(retryAfterMs / 1000 - 1e-6));
  const detail = c.kind === 'tokens' ? ` (this request reserves ${amount})` : '';
  return new DvaraError('RATE_LIMITED', `Rate limit reached for ${c.scope}: ${what}${detail}. Retry after ${secs}s.`, {
    headers: { ...headers, 'retry-after': String(secs) },
  });
}

function tooLarge(plan: Plan, prompt: number): DvaraError {
  const c = plan.counters.slice(plan.firstToken).find((x) => x.op.limit === plan.minTokenLimit)!;
  return new DvaraError(
    'RATE_LIMITED',
    `Request too large for ${c.scope}: about ${prompt} prompt tokens, over the limit of ${c.op.limit} tokens per ${c.per}. Shorten the prompt or ask for a higher limit.`,
  );
}

/** OpenAI's duration style: "0s", "59.5ms", "1s", "1.5s", "6m0s", "1h2m3s". */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  // Math.round(x·10)/10 prints its shortest decimal form, and is several times cheaper than toFixed.
  if (ms < 999.95) return ms < 1 ? `${Math.round(ms * 1000) / 1000}ms` : `${Math.round(ms * 10) / 10}ms`;
  const total = Math.round(ms);
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = `${(total % 60_000) / 1000}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  return m > 0 ? `${m}m${s}` : s;
}
