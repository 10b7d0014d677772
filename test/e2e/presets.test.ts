// Every OpenAI-compatible preset against the real gateway and a fake upstream: the URL and auth each
// provider is called with, config validation of keys, default hosts, and the quirks of providers.md §5.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/load.ts';
import { PRESETS, type PresetType } from '../../src/providers/openai-compatible/presets.ts';
import type { ChatRequest } from '../../src/protocols/openai/types.ts';
import { api, sseData, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { quirks, SSE_DONE, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { chatStreamEvents, fakeVector } from '../fakes/openai-wire.ts';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

/** provider name (= type, except openai-compatible) → path prefix of its real base URL, key, model. */
const CASES: Array<{ type: PresetType; name: string; prefix: string; key: string | null; model: string }> = [
  { type: 'deepseek', name: 'deepseek', prefix: '/v1', key: 'sk-deepseek-1', model: 'deepseek-chat' },
  { type: 'qwen', name: 'qwen', prefix: '/compatible-mode/v1', key: 'sk-qwen-1', model: 'qwen-plus' },
  { type: 'moonshot', name: 'moonshot', prefix: '/v1', key: 'sk-moonshot-1', model: 'moonshot-v1-8k' },
  { type: 'zhipu', name: 'zhipu', prefix: '/api/paas/v4', key: 'zhipu-id.secret', model: 'glm-4-flash' },
  { type: 'qianfan', name: 'qianfan', prefix: '/v2', key: 'bce-v3/ALTAK-x/y', model: 'ernie-4.0-8k' },
  { type: 'mistral', name: 'mistral', prefix: '/v1', key: 'mistral-key-1', model: 'mistral-small-latest' },
  { type: 'groq', name: 'groq', prefix: '/openai/v1', key: 'gsk_groq1', model: 'llama-3.3-70b-versatile' },
  { type: 'xai', name: 'xai', prefix: '/v1', key: 'xai-key-1', model: 'grok-4' },
  { type: 'together', name: 'together', prefix: '/v1', key: 'together-key-1', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' },
  { type: 'ollama', name: 'ollama', prefix: '/v1', key: null, model: 'llama3.2' },
  { type: 'vllm', name: 'vllm', prefix: '/v1', key: null, model: 'Qwen/Qwen2.5-7B-Instruct' },
  { type: 'openai', name: 'openai', prefix: '/v1', key: 'sk-openai-1', model: 'gpt-4o' },
  { type: 'openai-compatible', name: 'compat', prefix: '/custom/api', key: 'compat-key-1', model: 'my-model' },
];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const lines = CASES.map((c) =>
    `  ${c.name}: { type: ${c.type}, base_url: "${fake.url}${c.prefix}"${c.key ? `, api_key: "${c.key}"` : ''} }`);
  lines.push(`  azure: { type: azure, base_url: "${fake.url}", api_key: az-key-1, api_version: 2024-10-21, deployments: { gpt-4o: prod-4o } }`);
  gw = await startTestGateway(`providers:\n${lines.join('\n')}\n`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const hi = [{ role: 'user' as const, content: 'Hello' }];
const lastBody = (): Record<string, unknown> => fake.last()!.body as Record<string, unknown>;

describe('each preset is called at its path with its auth', () => {
  for (const c of CASES) {
    test(`${c.type}: POST ${c.prefix}/chat/completions ${c.key ? 'with Bearer key' : 'without Authorization'}`, async () => {
      const res = await api(gw, '/v1/chat/completions', {
        method: 'POST',
        headers: { 'x-trace-id': `trace-${c.name}` },
        json: { model: `${c.name}/${c.model}`, messages: hi },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-dvara-provider')).toBe(c.name);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]!.message.content).toBe('Fake reply to: Hello');
      expect(fake.requests).toHaveLength(1);
      const rec = fake.last()!;
      expect(rec.method).toBe('POST');
      expect(rec.path).toBe(`${c.prefix}/chat/completions`);
      expect(rec.search).toBe('');
      if (c.key) expect(rec.headers.authorization).toBe(`Bearer ${c.key}`);
      else expect(rec.headers.authorization).toBeUndefined();
      expect(rec.headers['api-key']).toBeUndefined();
      expect(rec.headers['content-type']).toContain('application/json');
      expect(rec.headers['x-trace-id']).toBe(`trace-${c.name}`);
      // The client's Dvara key never travels upstream.
      expect(JSON.stringify(rec.headers)).not.toContain(gw.key);
      expect(rec.body.model).toBe(c.model);
    });
  }

  test('azure: deployment path, api-version query, api-key header and no Authorization', async () => {
    const res = await client.chat.completions.create({ model: 'azure/gpt-4o', messages: hi });
    expect(res.choices[0]!.message.content).toBe('Fake reply to: Hello');
    const rec = fake.last()!;
    expect(rec.path).toBe('/openai/deployments/prod-4o/chat/completions');
    expect(rec.search).toBe('?api-version=2024-10-21');
    expect(rec.headers['api-key']).toBe('az-key-1');
    expect(rec.headers.authorization).toBeUndefined();
  });

  test('azure: a model without a deployment entry is used as the deployment name; embeddings path too', async () => {
    await client.embeddings.create({ model: 'azure/text-embedding-3-small', input: 'x', encoding_format: 'float' });
    expect(fake.last()!.path).toBe('/openai/deployments/text-embedding-3-small/embeddings');
    expect(fake.last()!.search).toBe('?api-version=2024-10-21');
  });
});

describe('config validation and defaults', () => {
  const keyed = ['deepseek', 'qwen', 'moonshot', 'zhipu', 'qianfan', 'mistral', 'groq', 'xai', 'together', 'openai'] as const;
  for (const type of keyed) {
    test(`${type} without api_key is rejected at providers.p.api_key`, () => {
      const r = parseConfig(`providers:\n  p: { type: ${type} }\n`, {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('providers.p.api_key');
    });
  }

  test('azure without api_key is rejected too; ollama, vllm and openai-compatible need none', () => {
    const az = parseConfig('providers:\n  az: { type: azure, base_url: "https://r.openai.azure.com" }\n', {});
    expect(az.ok).toBe(false);
    if (!az.ok) expect(az.issues.map((i) => i.path)).toContain('providers.az.api_key');
    const local = parseConfig('providers:\n  o: { type: ollama }\n  v: { type: vllm }\n  c: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1" }\n', {});
    expect(local.ok).toBe(true);
  });

  test('presets default to their documented hosts (providers.md §5)', () => {
    const base = (t: PresetType): string | undefined => (PRESETS[t] as { baseUrl?: string }).baseUrl;
    expect(base('deepseek')).toMatch(/^https:\/\/api\.deepseek\.com(\/v1)?$/);
    expect(base('qwen')).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
    expect(base('moonshot')).toBe('https://api.moonshot.cn/v1');
    expect(base('zhipu')).toBe('https://open.bigmodel.cn/api/paas/v4');
    expect(base('qianfan')).toBe('https://qianfan.baidubce.com/v2');
    expect(base('mistral')).toBe('https://api.mistral.ai/v1');
    expect(base('groq')).toBe('https://api.groq.com/openai/v1');
  });
});

describe('request shaping quirks', () => {
  test('mistral: stream sent without stream_options, yet the client that asked still gets usage', async () => {
    const events = chatStreamEvents({ model: 'mistral-small-latest', messages: hi, stream: true, stream_options: { include_usage: true } } as ChatRequest, 'mistral-small-latest');
    fake.script({ sse: events });
    const stream = await client.chat.completions.create({ model: 'mistral/mistral-small-latest', messages: hi, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(lastBody().stream).toBe(true);
    expect('stream_options' in lastBody()).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Fake reply to: Hello');
    const withUsage = chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    expect(withUsage[0]!.usage!.total_tokens).toBeGreaterThan(0);
  });

  test('mistral: usage it sends unasked is dropped for a client that did not ask for it', async () => {
    const events = chatStreamEvents({ model: 'mistral-small-latest', messages: hi, stream: true, stream_options: { include_usage: true } } as ChatRequest, 'mistral-small-latest');
    fake.script({ sse: events });
    const stream = await client.chat.completions.create({ model: 'mistral/mistral-small-latest', messages: hi, stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Fake reply to: Hello');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  test('openai: o3-mini gets max_completion_tokens, gpt-4o keeps max_tokens', async () => {
    await client.chat.completions.create({ model: 'openai/o3-mini', messages: hi, max_tokens: 50 });
    expect(lastBody().max_completion_tokens).toBe(50);
    expect('max_tokens' in lastBody()).toBe(false);
    await client.chat.completions.create({ model: 'openai/gpt-4o', messages: hi, max_tokens: 50 });
    expect(lastBody().max_tokens).toBe(50);
    expect('max_completion_tokens' in lastBody()).toBe(false);
  });

  test('groq: max_tokens is renamed to max_completion_tokens', async () => {
    await client.chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: hi, max_tokens: 7 });
    expect(lastBody().max_completion_tokens).toBe(7);
    expect('max_tokens' in lastBody()).toBe(false);
  });

  test('qwen: non-stream calls get enable_thinking:false, streams do not', async () => {
    await client.chat.completions.create({ model: 'qwen/qwen3-max', messages: hi });
    expect(lastBody().enable_thinking).toBe(false);
    const s = await client.chat.completions.create({ model: 'qwen/qwen3-max', messages: hi, stream: true });
    for await (const _ of s) { /* drain */ }
    expect('enable_thinking' in lastBody()).toBe(false);
  });

  test('qwen embeddings: base64 is not forwarded; the SDK decodes the gateway base64 to the upstream floats', async () => {
    const res = await client.embeddings.create({ model: 'qwen/text-embedding-v4', input: ['alpha', 'beta'] }); // SDK asks base64
    expect(fake.last()!.path).toBe('/compatible-mode/v1/embeddings');
    expect('encoding_format' in lastBody()).toBe(false);
    expect(res.data.map((d) => d.embedding)).toEqual([fakeVector('alpha', 8), fakeVector('beta', 8)]);
    const raw = await api(gw, '/v1/embeddings', { method: 'POST', json: { model: 'qwen/text-embedding-v4', input: 'alpha', encoding_format: 'base64' } });
    const body = (await raw.json()) as { data: Array<{ embedding: unknown }> };
    expect(typeof body.data[0]!.embedding).toBe('string');
  });
});

describe('response normalisation quirks', () => {
  test('dashscope: continuation tool-call deltas lose the empty id; the SDK reassembles one call', async () => {
    fake.script({ sse: quirks.dashscopeToolCall('qwen-plus', 'get_weather', '{"city":"Paris"}') });
    const raw = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'qwen/qwen-plus', messages: hi, stream: true } });
    const text = await raw.text();
    expect(text).not.toContain('"id":""');
    expect(text).toContain('"id":"call_ds1"');
    expect(text.endsWith(SSE_DONE)).toBe(true);

    fake.script({ sse: quirks.dashscopeToolCall('qwen-plus', 'get_weather', '{"city":"Paris"}') });
    const final = await client.chat.completions.stream({ model: 'qwen/qwen-plus', messages: hi }).finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: 'call_ds1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('moonshot: usage inside choices[0] is hoisted to top-level usage', async () => {
    fake.script({ sse: quirks.moonshotUsageInChoice('moonshot-v1-8k', 'Hello there') });
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      json: { model: 'moonshot/moonshot-v1-8k', messages: hi, stream: true, stream_options: { include_usage: true } },
    });
    const events = sseData(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((d) => JSON.parse(d) as { usage?: unknown; choices: Array<Record<string, unknown>> });
    const withUsage = chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    expect(withUsage[0]!.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 });
    for (const c of chunks) for (const ch of c.choices) expect('usage' in ch).toBe(false);
  });

  test('zhipu: finish_reason "sensitive" becomes "content_filter" (stream and non-stream)', async () => {
    fake.script({ sse: quirks.zhipuSensitive('glm-4-flash', 'Partial answer') });
    const stream = await client.chat.completions.create({ model: 'zhipu/glm-4-flash', messages: hi, stream: true });
    const finishes: string[] = [];
    let text = '';
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.choices[0]?.finish_reason) finishes.push(c.choices[0].finish_reason);
    }
    expect(text).toBe('Partial answer');
    expect(finishes).toEqual(['content_filter']);

    fake.script({
      json: { id: 'z1', request_id: 'z1', created: 1, model: 'glm-4-flash', choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'sensitive' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
    });
    const res = await client.chat.completions.create({ model: 'zhipu/glm-4-flash', messages: hi });
    expect(res.choices[0]!.finish_reason).toBe('content_filter');
  });

  test('deepseek: ": keep-alive" comments before data do not break the stream', async () => {
    fake.script({ sse: quirks.deepseekKeepAlive('deepseek-reasoner', 'Hello there') });
    const stream = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Hello there');
    expect(finish).toBe('stop');
  });

  test('deepseek: a non-stream body preceded by blank lines parses', async () => {
    const body = { id: 'ds-1', object: 'chat.completion', created: 1, model: 'deepseek-chat', choices: [{ index: 0, message: { role: 'assistant', content: 'Queued answer' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };
    fake.script({ raw: `\n\n\n${JSON.stringify(body)}`, contentType: 'application/json' });
    const res = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi });
    expect(res.choices[0]!.message.content).toBe('Queued answer');
    expect(res.usage?.total_tokens).toBe(5);
  });

  test('a client that did not ask for usage never sees the usage chunk the gateway requested', async () => {
    const stream = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect((lastBody().stream_options as { include_usage?: boolean }).include_usage).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
  });
});
