// Ground truth for the request log: for each shape of answer, the recorded tokens equal what the fake upstream
// reported; streams cut by the client or the upstream are recorded as partial; failover paths, errors, cache
// hits and costs are recorded; the audit chain verifies.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { planReply, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';
import { EXAMPLE_CREDENTIALS, planConverse, startFakeBedrock, type FakeBedrock } from '../fakes/bedrock-upstream.ts';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';
import { openaiError, sseData, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { StoredRequest } from '../../src/store/request-log.ts';

const [AKID, SECRET] = Object.entries(EXAMPLE_CREDENTIALS)[0]!;
const AUDIT_KEY = 'audit-key-0123456789abcdef';
let openai: FakeUpstream;
let backup: FakeUpstream;
let anthropic: FakeAnthropic;
let gemini: FakeGemini;
let bedrock: FakeBedrock;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  [openai, backup, anthropic, gemini, bedrock] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeAnthropic(), startFakeGemini(), startFakeBedrock()]);
  gw = await startTestGateway(`
audit: { hmac_key: ${AUDIT_KEY} }
providers:
  openai: { type: openai, api_key: sk-o, base_url: "${openai.url}/v1", breaker: { enabled: false } }
  backup: { type: openai, api_key: sk-b, base_url: "${backup.url}/v1" }
  anthropic: { type: anthropic, api_key: sk-ant, base_url: "${anthropic.url}" }
  gemini: { type: gemini, api_key: AIzaUsage, base_url: "${gemini.url}" }
  bedrock: { type: bedrock, region: us-east-1, access_key_id: ${AKID}, secret_access_key: "${SECRET}", base_url: "${bedrock.url}" }
routes:
  - match: resilient
    targets: [{ provider: openai, model: gpt-4o }, { provider: backup, model: gpt-4o-mini }]
  - match: cached
    cache: { enabled: true }
    targets: [{ provider: openai, model: gpt-4o }]
cache: {}
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await Promise.all([openai, backup, anthropic, gemini, bedrock].map((f) => f?.stop()));
});
beforeEach(() => [openai, backup, anthropic, gemini, bedrock].forEach((f) => f.reset()));

/** The newest row, once the recorder has written it (streams record when they settle). */
async function lastRow(requestId?: string): Promise<StoredRequest> {
  for (let i = 0; i < 100; i++) {
    gw.gateway.recorder.flush();
    const rows = gw.store.requestLog(null).query({ limit: 50 });
    const row = requestId ? rows.find((r) => r.request_id === requestId) : rows.at(-1);
    if (row) return row;
    await Bun.sleep(10);
  }
  throw new Error('no row recorded');
}
const tokens = (r: StoredRequest) => ({ prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens, total: (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0) });

describe('tokens equal the upstream\'s own usage', () => {
  test('OpenAI JSON: prompt, completion, cached; cost from the price table; ids and trace', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'count me' }] }, { headers: { 'x-trace-id': 'trace-usage-1', 'x-session-id': 's-1' } }).withResponse();
    const row = await lastRow(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ endpoint: 'chat', protocol: 'openai', model: 'gpt-4o', provider: 'openai', upstream_model: 'gpt-4o', status: 200, error_code: null, stream: false, partial: false, estimated: false, trace_id: 'trace-usage-1', session_id: 's-1', tenant: 'test', attempts: 1 });
    expect(row.prompt_tokens).toBe(data.usage!.prompt_tokens);
    expect(row.completion_tokens).toBe(data.usage!.completion_tokens);
    expect(row.key_id).toStartWith('key_');
    expect(row.cost_usd).toBeGreaterThan(0);
    expect(JSON.stringify(row)).not.toContain(gw.key);
  });

  test('OpenAI streams, with and without include_usage: the usage Dvara always asks for is recorded', async () => {
    for (const include of [true, false]) {
      const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream count' }], stream: true, ...(include ? { stream_options: { include_usage: true } } : {}) }).withResponse();
      let seen: OpenAI.CompletionUsage | undefined;
      for await (const c of stream) if (c.usage) seen = c.usage;
      const row = await lastRow(response.headers.get('x-request-id')!);
      expect(row.stream).toBe(true);
      expect(row.partial).toBe(false);
      expect(row.prompt_tokens).toBeGreaterThan(0);
      expect(row.ttft_ms).toBeGreaterThanOrEqual(0);
      if (include) expect(tokens(row)).toMatchObject({ prompt_tokens: seen!.prompt_tokens, completion_tokens: seen!.completion_tokens });
    }
  });

  test('Anthropic, Gemini and Bedrock: the recorded tokens are the fakes\' numbers', async () => {
    const a = await client.chat.completions.create({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'hello claude' }] });
    const ar = await lastRow();
    const plan = planReply(anthropic.last()!.body, anthropic.last()!.rawBody).usage;
    expect(ar.prompt_tokens).toBe(plan.input_tokens + plan.cache_read_input_tokens + plan.cache_creation_input_tokens);
    expect(ar.completion_tokens).toBe(plan.output_tokens);
    expect(a.usage!.total_tokens).toBe((ar.prompt_tokens ?? 0) + (ar.completion_tokens ?? 0));

    const g = await client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hello gemini' }], stream: true, stream_options: { include_usage: true } });
    let gu: OpenAI.CompletionUsage | undefined;
    for await (const c of g) if (c.usage) gu = c.usage;
    const gr = await lastRow();
    expect(gr.provider).toBe('gemini');
    expect(tokens(gr)).toMatchObject({ prompt_tokens: gu!.prompt_tokens, completion_tokens: gu!.completion_tokens });

    await client.chat.completions.create({ model: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: 'hello bedrock' }] });
    const br = await lastRow();
    const bu = planConverse(bedrock.last()!.body, bedrock.last()!.rawBody).usage;
    expect(br.prompt_tokens).toBe(bu.inputTokens + bu.cacheReadInputTokens + bu.cacheWriteInputTokens);
    expect(br.completion_tokens).toBe(bu.outputTokens);
  });

  test('a tool-call stream records its usage too', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }];
    const s = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'call f' }], tools, stream: true, stream_options: { include_usage: true } });
    let u: OpenAI.CompletionUsage | undefined;
    for await (const c of s) if (c.usage) u = c.usage;
    expect(tokens(await lastRow())).toMatchObject({ prompt_tokens: u!.prompt_tokens, completion_tokens: u!.completion_tokens });
  });
});

describe('streams that end early are recorded as partial', () => {
  test('a client abort mid-stream', async () => {
    openai.script({ sse: Array.from({ length: 30 }, (_, i) => sseData({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: null }] })), delayMs: 20 });
    const ac = new AbortController();
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'long' }], stream: true }, signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    const row = await lastRow(res.headers.get('x-request-id')!);
    expect(row.partial).toBe(true);
    expect(row.stream).toBe(true);
  });

  test('an upstream cut mid-stream: partial, with the error code', async () => {
    openai.script({ sse: [sseData({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] })], destroy: true });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'cut' }], stream: true } });
    await res.text();
    const row = await lastRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ partial: true, error_code: 'PROVIDER_ERROR', status: 200 });
  });
});

describe('what happened is recorded', () => {
  test('a failover: both attempts in the path, the answering target, attempts 2', async () => {
    openai.script({ status: 500, json: openaiError('boom', 'server_error') });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'resilient', messages: [{ role: 'user', content: 'x' }] } });
    const row = await lastRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ model: 'resilient', provider: 'backup', upstream_model: 'gpt-4o-mini', attempts: 2 });
    expect(JSON.parse(row.path!).map((p: any) => [p.provider, p.outcome])).toEqual([['openai', 'failed'], ['backup', 'ok']]);
  });

  test('errors: an unknown model and a bad key, with their codes and no tokens', async () => {
    const unknown = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'nope-9', messages: [{ role: 'user', content: 'x' }] } });
    expect(await lastRow(unknown.headers.get('x-request-id')!)).toMatchObject({ status: 400, error_code: 'NO_PROVIDER', prompt_tokens: null, cost_usd: null });
    const bad = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer mk-bad', 'content-type': 'application/json' }, body: '{}' });
    expect(await lastRow(bad.headers.get('x-request-id')!)).toMatchObject({ status: 401, error_code: 'UNAUTHORIZED', key_id: null });
  });

  test('a cache hit: zero upstream tokens and cost, flagged', async () => {
    await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'cached', messages: [{ role: 'user', content: 'same' }] } });
    const hit = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'cached', messages: [{ role: 'user', content: 'same' }] } });
    const row = await lastRow(hit.headers.get('x-request-id')!);
    expect(row).toMatchObject({ cache_hit: true, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 });
    // What the hit saved: the cost the cached answer had when it was made upstream.
    expect(row.saved_cost_usd).toBeGreaterThan(0);
  });

  test('an unknown price is recorded as unknown, not zero', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'openai/my-finetune-xyz', messages: [{ role: 'user', content: 'x' }] } });
    const row = await lastRow(res.headers.get('x-request-id')!);
    expect(row.prompt_tokens).toBeGreaterThan(0);
    expect(row.cost_usd).toBeNull();
  });

  test('the chain verifies; an edited row breaks it', async () => {
    gw.gateway.recorder.flush();
    const log = gw.store.requestLog(AUDIT_KEY);
    expect(log.verify().every((r) => r.ok)).toBe(true);
  });
});

describe('body logging', () => {
  test('off by default; on for the configured tenants, cut at max_size; never for other tenants', async () => {
    const g = await startTestGateway(`
audit: { bodies: { tenants: [test], max_size: 40 } }
providers:
  demo: { type: mock }
`);
    try {
      const res = await api(g, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/echo', messages: [{ role: 'user', content: 'log this body please, it is long enough' }] } });
      await res.text();
      g.gateway.recorder.flush();
      const row = g.store.requestLog(null).query({ limit: 1 }).at(-1)!;
      expect(row.request_body).toHaveLength(40);
      expect(row.request_body).toStartWith('{"model":"demo/echo"');
      expect(row.response_body).toHaveLength(40);
      // The offline mock charges nothing, even for a model name the price table knows.
      expect(row.cost_usd).toBe(0);
    } finally {
      await g.stop();
    }
    const noBodies = (await lastRow()) as StoredRequest;
    expect(noBodies.request_body).toBeNull();
  });
});
