// Resilience end to end against fault-injecting fakes: retry rounds and backoff (Retry-After honoured), no
// retry of the client's own errors, breakers skipping a failing target and 503 when every circuit is open,
// each timeout kind, weighted and least-latency spreading, target params, and x-dvara-attempts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { openaiError, SSE_DONE, sseData, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const ADMIN = 'admin-token-0123456789';
let a: FakeUpstream;
let b: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  gw = await startTestGateway(`
admin: { token: ${ADMIN} }
providers:
  a: { type: openai-compatible, base_url: "${a.url}/v1", breaker: { enabled: false } }
  b: { type: openai-compatible, base_url: "${b.url}/v1", breaker: { enabled: false } }
  fragile: { type: openai-compatible, base_url: "${a.url}/v1", breaker: { failures: 2, cooldown: 60s } }
  fragile2: { type: openai-compatible, base_url: "${b.url}/v1", breaker: { failures: 2, cooldown: 60s } }
routes:
  - match: retried
    retries: { attempts: 2, backoff: 5ms, max_backoff: 20ms }
    targets: [{ provider: a, model: m1 }, { provider: b, model: m2 }]
  - match: patient
    retries: { attempts: 1, backoff: 1ms, max_retry_after: 2s }
    targets: [{ provider: a, model: m1 }]
  - match: impatient
    retries: { attempts: 1, backoff: 1ms, max_retry_after: 500ms }
    targets: [{ provider: a, model: m1 }]
  - match: guarded
    targets: [{ provider: fragile, model: m1 }, { provider: b, model: m2 }]
  - match: all-fragile
    targets: [{ provider: fragile, model: x1 }, { provider: fragile2, model: x2 }]
  - match: timed
    timeouts: { connect: 150ms, idle: 150ms, total: 600ms }
    targets: [{ provider: a, model: m1 }, { provider: b, model: m2 }]
  - match: weighted
    strategy: weighted
    targets: [{ provider: a, model: w1, weight: 3 }, { provider: b, model: w2, weight: 1 }]
  - match: fastest
    strategy: least-latency
    targets: [{ provider: a, model: slow }, { provider: b, model: fast }]
  - match: tuned
    targets: [{ provider: a, model: m1, params: { temperature: 0, max_tokens: 7 } }]
`);
});
afterAll(async () => {
  await gw?.stop();
  await a?.stop();
  await b?.stop();
});
beforeEach(() => {
  a.reset();
  b.reset();
});

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  api(gw, '/v1/chat/completions', { method: 'POST', json: { model, messages: [{ role: 'user', content: 'hi' }], ...extra } });
const fail500 = { status: 500, json: openaiError('The server had an error', 'server_error') };

describe('retries', () => {
  test('every target failing once: a second round after backoff succeeds; x-dvara-attempts counts the calls', async () => {
    a.script(fail500);
    b.script(fail500);
    const res = await chat('retried');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dvara-attempts')).toBe('3');
    expect(res.headers.get('x-dvara-provider')).toBe('a');
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(1);
  });

  test("the client's own 400 is never retried nor failed over", async () => {
    a.script({ status: 400, json: openaiError("Invalid value for 'temperature'", 'invalid_request_error', 'temperature') });
    const res = await chat('retried');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-dvara-attempts')).toBe('1');
    expect(b.requests).toHaveLength(0);
  });

  test("a 429's Retry-After is waited out before the retry", async () => {
    a.script({ status: 429, json: openaiError('Rate limit reached', 'rate_limit_error'), headers: { 'retry-after': '1' } });
    const started = performance.now();
    const res = await chat('patient');
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(a.requests).toHaveLength(2);
  });

  test('a Retry-After longer than max_retry_after ends the retries: the 429 comes back at once', async () => {
    a.script({ status: 429, json: openaiError('Rate limit reached', 'rate_limit_error'), headers: { 'retry-after': '30' } });
    const res = await chat('impatient');
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(a.requests).toHaveLength(1);
  });
});

describe('circuit breakers', () => {
  test('after its failures open the circuit, the target is skipped and the next one answers without a call', async () => {
    a.script(fail500);
    a.script(fail500);
    expect((await chat('guarded')).headers.get('x-dvara-provider')).toBe('b');
    expect((await chat('guarded')).headers.get('x-dvara-provider')).toBe('b');
    const before = a.requests.length;
    const res = await chat('guarded');
    expect(res.headers.get('x-dvara-provider')).toBe('b');
    expect(res.headers.get('x-dvara-attempts')).toBe('1');
    expect(a.requests.length).toBe(before); // skipped: the open circuit made no call
  });

  test('every circuit open → 503 PROVIDER_UNAVAILABLE naming the targets, with Retry-After', async () => {
    for (let i = 0; i < 2; i++) {
      a.script(fail500);
      b.script(fail500);
      await chat('all-fragile');
    }
    const res = await chat('all-fragile');
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(body.error.message).toContain('fragile/x1');
    expect(res.headers.get('retry-after')).not.toBeNull();
  });
});

describe('circuit state is visible', () => {
  test('GET /admin/health (admin token) lists each target\'s circuit; /metrics exports it', async () => {
    expect((await fetch(`${gw.url}/admin/health`)).status).toBe(401);
    const res = await fetch(`${gw.url}/admin/health`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await res.json()) as any;
    expect(body.status).toBe('degraded');
    expect(body.targets).toContainEqual(expect.objectContaining({ provider: 'fragile', model: 'x1', circuit: 'open' }));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('dvara_circuit_state{provider="fragile",model="x1"} 2');
    expect(metrics).not.toContain(gw.key);
  });
});

describe('timeouts', () => {
  test('connect: no response headers in time → the next target answers', async () => {
    a.script({ delayMs: 1_000 });
    const res = await chat('timed');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dvara-provider')).toBe('b');
  });

  test('idle: a stream silent mid-way ends with a PROVIDER_TIMEOUT error event, never a made-up end', async () => {
    a.script({ sse: [sseData({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })], hangAfter: true });
    const res = await chat('timed', { stream: true });
    const text = await res.text();
    expect(text).toContain('"content":"Hel"');
    expect(text).toContain('PROVIDER_TIMEOUT');
    expect(text).toContain('next stream event within 150 ms');
    expect(text).not.toContain(SSE_DONE);
  });

  test('total: a slow drip past the total limit ends with PROVIDER_TIMEOUT', async () => {
    const chunk = (t: string) => sseData({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [{ index: 0, delta: { content: t }, finish_reason: null }] });
    a.script({ sse: Array.from({ length: 20 }, (_, i) => chunk(`w${i} `)), delayMs: 100 });
    const text = await (await chat('timed', { stream: true })).text();
    expect(text).toContain('w0 ');
    expect(text).toContain('finish the stream within 600 ms');
    expect(text).not.toContain('w19');
  });
});

describe('spreading load', () => {
  test('weighted 3:1 sends about three quarters to the heavier target (400 requests)', async () => {
    for (let i = 0; i < 400; i++) await chat('weighted');
    const share = a.requests.length / 400;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });

  test('least-latency settles on the faster target', async () => {
    for (let i = 0; i < 6; i++) a.script({ delayMs: 40 });
    for (let i = 0; i < 30; i++) await chat('fastest');
    expect(b.requests.length).toBeGreaterThan(24);
  });

  test("a target's params are applied to the body it receives", async () => {
    await chat('tuned', { temperature: 1.2 });
    expect(a.last()!.body).toMatchObject({ model: 'm1', temperature: 0, max_tokens: 7 });
  });
});
