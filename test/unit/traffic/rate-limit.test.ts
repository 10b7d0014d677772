import { describe, expect, test } from 'bun:test';
import { DvaraError } from '../../../src/server/errors.ts';
import { type CounterOp, type CounterStore, MemoryCounterStore, type ReserveResult } from '../../../src/traffic/counter-store.ts';
import { type Admission, type AdmitRequest, type LimitPolicy, RateLimiter, formatDuration } from '../../../src/traffic/rate-limit.ts';

const clockAt = (t = { now: 0 }) => Object.assign(() => t.now, { t });

function setup(policy: LimitPolicy = {}) {
  const store = new MemoryCounterStore();
  const t = { now: 1_000_000 };
  const limiter = new RateLimiter(store, policy, clockAt(t));
  return { store, t, limiter };
}

function req(over: Partial<AdmitRequest> & { rpm?: number | null; tpm?: number | null } = {}): AdmitRequest {
  return {
    keyId: over.keyId ?? 'key_abc',
    tenant: over.tenant ?? 'acme',
    record: over.record ?? { rpm: over.rpm ?? null, tpm: over.tpm ?? null },
    estimate: over.estimate ?? { prompt: 100, completion: 50 },
  };
}

/** admit() with a synchronous store returns a plain value; these tests rely on that. */
function admitSync(limiter: RateLimiter, r: AdmitRequest): Admission {
  const a = limiter.admit(r);
  if (a instanceof Promise) throw new Error('expected a synchronous admission');
  return a;
}

function refusal(fn: () => unknown): DvaraError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DvaraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('RateLimiter: no limits', () => {
  test('is a shared empty admission and never touches the store', () => {
    let calls = 0;
    const store: CounterStore = {
      reserve: () => {
        calls++;
        return { ok: true, counters: [], blocked: -1, retryAfterMs: 0 };
      },
      adjust: () => {
        calls++;
      },
    };
    const limiter = new RateLimiter(store, { tenants: { other: { rpm: 5 } } });
    const a = admitSync(limiter, req());
    const b = admitSync(limiter, req({ keyId: 'key_2' }));
    expect(a).toBe(b);
    expect(a.headers).toEqual({});
    expect(Object.isFrozen(a.headers)).toBe(true);
    a.reconcile({ total_tokens: 10 }, false);
    expect(calls).toBe(0);
  });
});

describe('RateLimiter: request limits', () => {
  test('refuses the 61st request of a 60 rpm key with a named limit and retry-after', () => {
    const { limiter } = setup();
    for (let i = 0; i < 60; i++) admitSync(limiter, req({ rpm: 60 }));
    const err = refusal(() => limiter.admit(req({ rpm: 60 })));
    expect(err.status).toBe(429);
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.message).toBe('Rate limit reached for key key_abc: 60 requests per minute. Retry after 1s.');
    expect(err.headers?.['retry-after']).toBe('1');
    expect(err.headers?.['x-ratelimit-remaining-requests']).toBe('0');
  });

  test('retry-after is the ceiling in seconds of the blocking wait', () => {
    const { limiter, t } = setup();
    admitSync(limiter, req({ rpm: 2 }));
    admitSync(limiter, req({ rpm: 2 }));
    expect(refusal(() => limiter.admit(req({ rpm: 2 }))).headers?.['retry-after']).toBe('30');
    t.now += 29_001;
    expect(refusal(() => limiter.admit(req({ rpm: 2 }))).headers?.['retry-after']).toBe('1');
    t.now += 999;
    admitSync(limiter, req({ rpm: 2 }));
  });

  test('day limits count too', () => {
    const { limiter } = setup({ keyDefaults: { rpd: 3 } });
    for (let i = 0; i < 3; i++) admitSync(limiter, req());
    const err = refusal(() => limiter.admit(req()));
    expect(err.message).toBe('Rate limit reached for key key_abc: 3 requests per day. Retry after 28800s.');
  });
});

describe('RateLimiter: headers', () => {
  test("OpenAI's names and duration format, for both kinds", () => {
    const { limiter } = setup();
    const a = admitSync(limiter, req({ rpm: 60, tpm: 10_000, estimate: { prompt: 100, completion: 50 } }));
    expect(a.headers).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '10000',
      'x-ratelimit-remaining-tokens': '9850',
      'x-ratelimit-reset-tokens': '900ms',
    });
    expect(a.reservedTokens).toBe(150);
  });

  test('no headers for a kind without a limit', () => {
    const { limiter } = setup();
    expect(Object.keys(admitSync(limiter, req({ tpm: 1000 })).headers).every((h) => h.endsWith('-tokens'))).toBe(true);
  });

  test('the tightest limit of each kind is reported', () => {
    const { limiter } = setup({ tenants: { acme: { rpm: 1000, tpm: 2000 } } });
    for (let i = 0; i < 5; i++) admitSync(limiter, req({ keyId: 'key_other', rpm: 600 }));
    const h = admitSync(limiter, req({ rpm: 600, tpm: 100_000 })).headers;
    expect(h['x-ratelimit-limit-requests']).toBe('600');
    expect(h['x-ratelimit-remaining-requests']).toBe('599');
    expect(h['x-ratelimit-limit-tokens']).toBe('2000');
    expect(h['x-ratelimit-remaining-tokens']).toBe(String(2000 - 6 * 150));
  });

  test('formatDuration', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(59.5)).toBe('59.5ms');
    expect(formatDuration(0.0833)).toBe('0.083ms');
    expect(formatDuration(999.99)).toBe('1s');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(3_723_250)).toBe('1h2m3.25s');
    expect(formatDuration(86_400_000)).toBe('24h0m0s');
  });
});

describe('RateLimiter: policy resolution', () => {
  test("a key's own rpm/tpm override key defaults; defaults apply when the record has none", () => {
    const { limiter } = setup({ keyDefaults: { rpm: 10, tpm: 5000 } });
    expect(admitSync(limiter, req({ keyId: 'k1', rpm: 100 })).headers['x-ratelimit-limit-requests']).toBe('100');
    const h = admitSync(limiter, req({ keyId: 'k2' })).headers;
    expect(h['x-ratelimit-limit-requests']).toBe('10');
    expect(h['x-ratelimit-limit-tokens']).toBe('5000');
  });

  test("tenant limits are shared across the tenant's keys", () => {
    const { limiter } = setup({ tenants: { acme: { rpm: 3 } } });
    admitSync(limiter, req({ keyId: 'k1' }));
    admitSync(limiter, req({ keyId: 'k2' }));
    admitSync(limiter, req({ keyId: 'k3' }));
    expect(refusal(() => limiter.admit(req({ keyId: 'k4' }))).message).toStartWith('Rate limit reached for tenant acme: 3 requests per minute.');
    admitSync(limiter, req({ keyId: 'k4', tenant: 'globex' }));
  });

  test('tenant defaults apply field by field; an explicit null in a tenant entry lifts the default', () => {
    const { limiter } = setup({ tenantDefaults: { rpm: 1, tpm: 1000 }, tenants: { acme: { rpm: null } } });
    const h = admitSync(limiter, req()).headers;
    expect(h['x-ratelimit-limit-requests']).toBeUndefined();
    expect(h['x-ratelimit-limit-tokens']).toBe('1000');
    admitSync(limiter, req({ tenant: 'globex' }));
    expect(() => limiter.admit(req({ tenant: 'globex' }))).toThrow('tenant globex: 1 requests per minute');
  });

  test('a changed record limit takes effect at once (the compiled plan is revalidated)', () => {
    const { limiter } = setup();
    admitSync(limiter, req({ rpm: 1 }));
    expect(() => limiter.admit(req({ rpm: 1 }))).toThrow(DvaraError);
    admitSync(limiter, req({ rpm: 2 }));
  });

  test('setPolicy swaps limits and keeps counters', () => {
    const { limiter } = setup({ tenants: { acme: { rpm: 1 } } });
    admitSync(limiter, req());
    limiter.setPolicy({ tenants: { acme: { rpm: 2 } } });
    admitSync(limiter, req());
    expect(() => limiter.admit(req())).toThrow(DvaraError);
  });
});

describe('RateLimiter: tokens and reconciliation', () => {
  test('reconciling down refunds, up charges the overrun', () => {
    const { limiter, store } = setup();
    const op = { key: 'k:key_abc:tpm', limit: 10_000, windowMs: 60_000 };
    const a = admitSync(limiter, req({ tpm: 10_000, estimate: { prompt: 100, completion: 1000 } }));
    expect(store.peek(op, 1_000_000).level).toBe(1100);
    a.reconcile({ total_tokens: 300 }, false);
    expect(store.peek(op, 1_000_000).level).toBe(300);
    a.reconcile({ total_tokens: 0 }, false); // only the first call counts
    expect(store.peek(op, 1_000_000).level).toBe(300);
    const b = admitSync(limiter, req({ tpm: 10_000, estimate: { prompt: 100, completion: 100 } }));
    b.reconcile({ total_tokens: 700 }, false);
    expect(store.peek(op, 1_000_000).level).toBe(1000);
  });

  test('unknown usage keeps the reservation; partial usage never charges less than it', () => {
    const { limiter, store } = setup();
    const op = { key: 'k:key_abc:tpm', limit: 10_000, windowMs: 60_000 };
    admitSync(limiter, req({ tpm: 10_000 })).reconcile(null, false);
    expect(store.peek(op, 1_000_000).level).toBe(150);
    admitSync(limiter, req({ tpm: 10_000 })).reconcile({ total_tokens: 20 }, true);
    expect(store.peek(op, 1_000_000).level).toBe(300);
    admitSync(limiter, req({ tpm: 10_000 })).reconcile({ total_tokens: 400 }, true);
    expect(store.peek(op, 1_000_000).level).toBe(700);
  });

  test('token refusal names the limit and the reservation', () => {
    const { limiter } = setup();
    admitSync(limiter, req({ tpm: 600, estimate: { prompt: 500, completion: 0 } }));
    const err = refusal(() => limiter.admit(req({ tpm: 600, estimate: { prompt: 200, completion: 0 } })));
    expect(err.message).toBe('Rate limit reached for key key_abc: 600 tokens per minute (this request reserves 200). Retry after 10s.');
    expect(err.headers?.['retry-after']).toBe('10');
  });

  test('a prompt over the tightest token limit is refused without retry-after; a large max_tokens is capped', () => {
    const { limiter } = setup({ tenants: { acme: { tpm: 1000 } } });
    const err = refusal(() => limiter.admit(req({ tpm: 5000, estimate: { prompt: 1001, completion: 0 } })));
    expect(err.message).toStartWith('Request too large for tenant acme: about 1001 prompt tokens, over the limit of 1000 tokens per minute.');
    expect(err.headers).toBeUndefined();
    expect(admitSync(limiter, req({ tpm: 5000, estimate: { prompt: 10, completion: 4096 } })).reservedTokens).toBe(1000);
  });
});

/** A store answering after a random delay, as a network store would; each call stays atomic. */
function asyncStore(inner: MemoryCounterStore, now: () => number): CounterStore {
  const later = () => new Promise<void>((r) => setTimeout(r, Math.random() * 3));
  return {
    reserve: async (ops: ReadonlyArray<CounterOp>): Promise<ReserveResult> => {
      await later();
      return inner.reserve(ops, now());
    },
    adjust: async (ops: ReadonlyArray<CounterOp>): Promise<void> => {
      await later();
      inner.adjust(ops, now());
    },
  };
}

describe('RateLimiter: concurrency', () => {
  for (const kind of ['sync', 'async'] as const) {
    test(`500 parallel admissions (${kind} store) never exceed rpm; tokens stay within the documented bound`, async () => {
      const mem = new MemoryCounterStore();
      const t = { now: 0 }; // frozen: nothing refills, so totals are exact
      const store = kind === 'sync' ? mem : asyncStore(mem, () => t.now);
      const limiter = new RateLimiter(store, { tenants: { acme: { rpm: 100, tpm: 20_000 } } }, () => t.now);
      let admitted = 0;
      let charged = 0; // tokens charged so far: actual for reconciled, reservation for in-flight
      let overrun = 0; // Σ max(0, actual − reserved)
      const one = async (i: number) => {
        const estimate = { prompt: 50 + (i % 7) * 30, completion: 200 };
        let a: Admission;
        try {
          a = await limiter.admit(req({ keyId: `key_${i % 13}`, estimate }));
        } catch (err) {
          expect(err).toBeInstanceOf(DvaraError);
          return;
        }
        admitted++;
        charged += a.reservedTokens;
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        const actual = Math.round(a.reservedTokens * (0.2 + Math.random() * 1.6));
        overrun += Math.max(0, actual - a.reservedTokens);
        charged += actual - a.reservedTokens;
        await a.reconcile({ total_tokens: actual }, false);
        expect(mem.peek({ key: 't:acme:tpm', limit: 20_000, windowMs: 60_000 }, t.now).level).toBeLessThanOrEqual(20_000 + overrun);
      };
      await Promise.all(Array.from({ length: 500 }, (_, i) => one(i)));
      expect(admitted).toBeLessThanOrEqual(100);
      expect(charged).toBeLessThanOrEqual(20_000 + overrun);
      const level = mem.peek({ key: 't:acme:tpm', limit: 20_000, windowMs: 60_000 }, t.now).level;
      expect(level).toBe(charged);
      expect(mem.peek({ key: 't:acme:rpm', limit: 100, windowMs: 60_000 }, t.now).level).toBe(admitted);
    });
  }

  test('with only the request limit binding, exactly the limit is admitted', async () => {
    const t = { now: 0 };
    const mem = new MemoryCounterStore();
    const limiter = new RateLimiter(asyncStore(mem, () => t.now), { tenants: { acme: { rpm: 100 } } }, () => t.now);
    const results = await Promise.allSettled(Array.from({ length: 500 }, () => limiter.admit(req())));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(100);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason instanceof DvaraError && rejected.reason.status).toBe(429);
  });
});
