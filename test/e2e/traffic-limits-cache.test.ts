// Rate limits and the response cache end to end: per-key and per-tenant limits under concurrency, OpenAI's
// x-ratelimit-* headers, reconciliation with the exact usage; cache hits for JSON and streams, bypass headers,
// tenant isolation and errors never cached.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { createKey } from '../../src/cli/keys.ts';
import { openaiError, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let fake: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  gw = await startTestGateway(`
providers:
  up: { type: openai-compatible, base_url: "${fake.url}/v1", breaker: { enabled: false } }
  demo: { type: mock }
routes:
  - match: cached
    cache: { enabled: true, ttl: 1h }
    targets: [{ provider: up, model: c1 }]
  - match: plain
    targets: [{ provider: up, model: p1 }]
limits:
  tenants:
    crowded: { rpm: 30 }
cache: { max_entries: 100 }
`);
  await gw.store.addTenant('crowded');
  await gw.store.addTenant('other');
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

async function keyFor(tenant: string, limits: { rpm?: number; tpm?: number } = {}) {
  return (await createKey(gw.store, tenant, { name: null, ...limits })).secret;
}
const chat = (key: string, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }], ...extra }),
  });

describe('rate limits', () => {
  test('a key with --rpm: the excess gets 429 RATE_LIMITED with Retry-After; successes carry x-ratelimit-* headers', async () => {
    const key = await keyFor('test', { rpm: 3 });
    const ok = await chat(key, 'demo/echo');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$|^\d+m/);
    await chat(key, 'demo/echo');
    await chat(key, 'demo/echo');
    const refused = await chat(key, 'demo/echo');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as any;
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toContain('3 requests per minute');
  });

  test('a tenant limit is shared by its keys, and holds under 200 concurrent requests (exactly 30 admitted)', async () => {
    const keys = await Promise.all([keyFor('crowded'), keyFor('crowded'), keyFor('crowded')]);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(keys[i % 3]!, 'demo/echo')));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(170);
  });

  test('token limits: reserved from an estimate, reconciled to the exact usage afterwards', async () => {
    const key = await keyFor('test', { tpm: 10_000 });
    const first = await chat(key, 'demo/echo', { max_tokens: 2_000 });
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
    // Admission reserved prompt + 2000; the answer used far fewer, which the next request's headers show.
    const reserved = 10_000 - Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(reserved).toBeGreaterThan(2_000);
    const usage = ((await first.json()) as any).usage.total_tokens as number;
    const next = await chat(key, 'demo/echo', { max_tokens: 10 });
    const nextReserved = Number(first.headers.get('x-ratelimit-remaining-tokens')) - Number(next.headers.get('x-ratelimit-remaining-tokens'));
    // After reconciliation the counter holds the first request's usage plus the second's reservation.
    expect(10_000 - Number(next.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(usage + 200);
    expect(nextReserved).toBeLessThan(0); // the refund was bigger than the new reservation
  });

  test('a prompt larger than the whole token limit is refused at once', async () => {
    const key = await keyFor('test', { tpm: 50 });
    const res = await chat(key, 'demo/echo', { messages: [{ role: 'user', content: 'word '.repeat(400) }] });
    expect(res.status).toBe(429);
    expect(((await res.json()) as any).error.code).toBe('RATE_LIMITED');
  });
});

describe('response cache', () => {
  test('a cached route: MISS then HIT, the upstream called once; the hit is identical', async () => {
    const first = await chat(gw.key, 'cached');
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await chat(gw.key, 'cached');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('x-dvara-provider')).toBe('up');
    expect(await second.json()).toEqual(await first.json());
    expect(fake.requests).toHaveLength(1);
  });

  test('a streaming request is served from the cache as a real SSE stream the SDK reads', async () => {
    await chat(gw.key, 'cached', { messages: [{ role: 'user', content: 'stream me from cache' }] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'cached', messages: [{ role: 'user', content: 'stream me from cache' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('x-cache')).toBe('HIT');
    let text = '';
    let usage = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage.total_tokens;
    }
    expect(text).toBe('Fake reply to: stream me from cache');
    expect(usage).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(1);
  });

  test('a streamed miss is recorded and answers the next (non-streamed) request', async () => {
    const streamed = await chat(gw.key, 'cached', { messages: [{ role: 'user', content: 'record this stream' }], stream: true });
    expect(streamed.headers.get('x-cache')).toBe('MISS');
    await streamed.text();
    await Bun.sleep(5);
    const hit = await chat(gw.key, 'cached', { messages: [{ role: 'user', content: 'record this stream' }] });
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(((await hit.json()) as any).choices[0].message.content).toBe('Fake reply to: record this stream');
    expect(fake.requests).toHaveLength(1);
  });

  test('X-Dvara-Cache: off and Cache-Control: no-store bypass it; no-cache refreshes it; on opts a request in', async () => {
    await chat(gw.key, 'cached', { seed: 1 });
    expect((await chat(gw.key, 'cached', { seed: 1 }, { 'x-dvara-cache': 'off' })).headers.get('x-cache')).toBeNull();
    expect((await chat(gw.key, 'cached', { seed: 1 }, { 'cache-control': 'no-store' })).headers.get('x-cache')).toBeNull();
    expect((await chat(gw.key, 'cached', { seed: 1 }, { 'cache-control': 'no-cache' })).headers.get('x-cache')).toBe('MISS');
    expect(fake.requests).toHaveLength(4);
    expect((await chat(gw.key, 'plain')).headers.get('x-cache')).toBeNull(); // not opted in
    await chat(gw.key, 'plain', {}, { 'x-dvara-cache': 'on' });
    expect((await chat(gw.key, 'plain', {}, { 'x-dvara-cache': 'on' })).headers.get('x-cache')).toBe('HIT');
  });

  test('tenants never share entries; errors are never cached', async () => {
    await chat(gw.key, 'cached', { seed: 2 });
    const otherKey = await keyFor('other');
    expect((await chat(otherKey, 'cached', { seed: 2 })).headers.get('x-cache')).toBe('MISS');
    fake.script({ status: 500, json: openaiError('boom', 'server_error') });
    expect((await chat(gw.key, 'cached', { seed: 3 })).status).toBe(502);
    const again = await chat(gw.key, 'cached', { seed: 3 });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-cache')).toBe('MISS');
  });
});

describe('cache persistence', () => {
  test('persist: true keeps entries in the store database across a restart', async () => {
    const up = await startFakeOpenAI();
    const yaml = `
providers:
  up: { type: openai-compatible, base_url: "${up.url}/v1" }
cache: { enabled: true, persist: true }
`;
    const first = await startTestGateway(yaml);
    const ask = (g: TestGateway) => chatOn(g, 'up/m', 'remember me');
    expect((await ask(first)).headers.get('x-cache')).toBe('MISS');
    await Bun.sleep(120); // the write-behind flush
    const dbUrl = first.store.url;
    await first.gateway.stop();
    const second = await startTestGateway(yaml, {}, dbUrl);
    try {
      const res = await ask(second);
      expect(res.headers.get('x-cache')).toBe('HIT');
      expect(up.requests).toHaveLength(1);
    } finally {
      await second.stop();
      first.store.close();
      await up.stop();
    }
  });
});

function chatOn(g: TestGateway, model: string, text: string) {
  return fetch(`${g.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
  });
}
