// The official openai SDK (and raw fetch) against the real gateway, with an OpenAI provider pointed at
// the fake upstream: chat, streaming, header plumbing, incremental delivery and client aborts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { api, sseData, startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.ts';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { sseData as sseEvent } from '../fakes/openai-wire.ts';

let fake: FakeUpstream;
let slow: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  slow = await startFakeOpenAI({ chunkDelayMs: 50 });
  gw = await startTestGateway(`
server: { host: 127.0.0.1, port: 0 }
providers:
  openai: { type: openai, api_key: sk-upstream-secret, base_url: "${fake.url}/v1" }
  slow: { type: openai, api_key: sk-slow-secret, base_url: "${slow.url}/v1" }
  demo: { type: mock }
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await fake.stop();
  await slow.stop();
});
beforeEach(() => {
  fake.reset();
  slow.reset();
});

const HEX32 = /^[0-9a-f]{32}$/;

/** Parsed JSON payloads of an SSE body, excluding [DONE]. */
function chunksOf(text: string): Array<Record<string, any>> {
  return sseData(text).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Record<string, any>);
}

function contentOf(chunks: ReadonlyArray<{ choices: ReadonlyArray<{ delta?: { content?: string | null } }> }>): string {
  return chunks.map((c) => c.choices.map((ch) => ch.delta?.content ?? '').join('')).join('');
}

/** Reads a streamed body to its end or until `ms` pass (then cancels), noting when the first event arrived. */
async function readStream(res: Response, ms: number, started = performance.now()): Promise<{ text: string; firstAt: number; timedOut: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let firstAt = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    for (;;) {
      const r = await Promise.race([reader.read(), deadline]);
      if (r === 'timeout') {
        await reader.cancel().catch(() => {});
        return { text, firstAt, timedOut: true };
      }
      if (r.done) return { text, firstAt, timedOut: false };
      text += decoder.decode(r.value, { stream: true });
      if (firstAt < 0 && text.includes('\n\n')) firstAt = performance.now() - started;
    }
  } finally {
    clearTimeout(timer);
  }
}

describe('chat non-stream through the SDK', () => {
  for (const model of ['gpt-4o', 'openai/gpt-4o']) {
    test(`${model}: content from the fake, upstream request rewritten and authenticated`, async () => {
      const extra = { metadata: { purpose: 'e2e' }, seed: 42, logit_bias: { '50256': -100 }, vendor_extension: { keep: true } };
      const { data, response } = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'Hello gateway' }], ...extra })
        .withResponse();

      expect(data.choices[0]!.message.content).toBe('Fake reply to: Hello gateway');
      expect(data.choices[0]!.finish_reason).toBe('stop');
      expect(data.object).toBe('chat.completion');
      expect(data.model).toBe('gpt-4o');
      expect(data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 });

      const traceId = response.headers.get('x-trace-id');
      expect(traceId).toMatch(HEX32);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(response.headers.get('x-dvara-provider')).toBe('openai');
      expect(response.headers.get('x-dvara-model')).toBe('gpt-4o');

      expect(fake.requests).toHaveLength(1);
      const rec = fake.last()!;
      expect(rec.path).toBe('/v1/chat/completions');
      expect(rec.body.model).toBe('gpt-4o');
      expect(rec.headers.authorization).toBe('Bearer sk-upstream-secret');
      expect(rec.rawBody).not.toContain(gw.key);
      expect(JSON.stringify(rec.headers)).not.toContain(gw.key);
      expect(rec.body.messages).toEqual([{ role: 'user', content: 'Hello gateway' }]);
      expect(rec.body.metadata).toEqual(extra.metadata);
      expect(rec.body.seed).toBe(42);
      expect(rec.body.logit_bias).toEqual(extra.logit_bias);
      expect(rec.body.vendor_extension).toEqual({ keep: true });
      expect(rec.body.stream_options).toBeUndefined();
      expect(rec.headers['x-trace-id']).toBe(traceId!);
    });
  }

  test('fetch sees the same headers and an untouched OpenAI body', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('x-dvara-provider')).toBe('openai');
    expect(res.headers.get('x-dvara-model')).toBe('gpt-4o');
    const body = (await res.json()) as Record<string, any>;
    expect(body.system_fingerprint).toBe('fp_fake0001');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'Fake reply to: hi', refusal: null, annotations: [] });
  });
});

describe('chat streaming', () => {
  test('SDK stream: chunks in order reassemble the fake text; no usage unless asked', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    expect(contentOf(chunks)).toBe('Fake reply to: one two three');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    for (const c of chunks) {
      expect(c.choices).toHaveLength(1);
      expect(c.usage ?? null).toBeNull();
    }
    // The gateway always asks for usage for its own accounting.
    expect(fake.last()!.body.stream).toBe(true);
    expect(fake.last()!.body.stream_options).toEqual({ include_usage: true });
  });

  test('raw SSE: OpenAI framing, [DONE] last, no usage chunk without include_usage', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'alpha beta gamma' }] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('x-dvara-provider')).toBe('openai');
    expect(res.headers.get('x-dvara-model')).toBe('gpt-4o');
    expect(res.headers.get('x-trace-id')).toMatch(HEX32);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const data = sseData(text);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    const chunks = chunksOf(text);
    expect(chunks.every((c) => Array.isArray(c.choices) && c.choices.length === 1)).toBe(true);
    expect(chunks.some((c) => c.usage != null)).toBe(false);
    // The upstream sent "usage":null on every chunk only because Dvara asked for usage; the client did not.
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(contentOf(chunks as never)).toBe('Fake reply to: alpha beta gamma');
    expect(fake.last()!.body.stream_options).toEqual({ include_usage: true });
    expect(fake.last()!.headers['x-trace-id']).toBe(res.headers.get('x-trace-id')!);
  });

  test('include_usage: final chunk has choices [] and the fake usage numbers', async () => {
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      json: { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count my tokens please' }] },
    });
    const text = await res.text();
    expect(sseData(text).at(-1)).toBe('[DONE]');
    const chunks = chunksOf(text);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    // Fake: ceil(22 chars / 4) + 3 = 9 prompt; 7 words + 1 = 8 completion.
    expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 });
    expect(chunks.filter((c) => c.usage != null)).toHaveLength(1);
    // A client that asked gets OpenAI's exact shape: "usage":null on the other chunks.
    expect(chunks.slice(0, -1).every((c) => 'usage' in c && c.usage === null)).toBe(true);
    expect(fake.last()!.body.stream_options).toEqual({ include_usage: true });
  });

  test('SDK with include_usage gets usage equal to the non-streamed usage', async () => {
    const messages = [{ role: 'user' as const, content: 'same prompt both ways' }];
    const plain = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const usageChunks = chunks.filter((c) => c.usage);
    expect(usageChunks).toHaveLength(1);
    expect(usageChunks[0]).toBe(chunks.at(-1)!);
    expect(usageChunks[0]!.choices).toEqual([]);
    expect(usageChunks[0]!.usage).toMatchObject({
      prompt_tokens: plain.usage!.prompt_tokens,
      completion_tokens: plain.usage!.completion_tokens,
      total_tokens: plain.usage!.total_tokens,
    });
    expect(contentOf(chunks)).toBe(plain.choices[0]!.message.content!);
  });

  test('chunks are delivered incrementally, not buffered until the end', async () => {
    const started = performance.now();
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      json: { model: 'slow/gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'a b c d e f g h' }] },
    });
    expect(res.status).toBe(200);
    const { text, firstAt, timedOut } = await readStream(res, 4000, started);
    const total = performance.now() - started;
    expect(timedOut).toBe(false);
    // 11 words → ~15 events 50 ms apart upstream.
    expect(total).toBeGreaterThan(300);
    expect(firstAt).toBeGreaterThanOrEqual(0);
    expect(firstAt).toBeLessThan(total / 2);
    expect(sseData(text).at(-1)).toBe('[DONE]');
    expect(contentOf(chunksOf(text) as never)).toBe('Fake reply to: a b c d e f g h');
    expect(slow.last()!.headers.authorization).toBe('Bearer sk-slow-secret');
  });

  // Real OpenAI sends the usage chunk (which the gateway requested for itself) as its own network write.
  test('stream without include_usage completes when the upstream usage chunk arrives on its own', async () => {
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      json: { model: 'slow/gpt-4o', stream: true, messages: [{ role: 'user', content: 'x y z' }] },
    });
    expect(res.status).toBe(200);
    const { text, timedOut } = await readStream(res, 3000);
    expect(timedOut).toBe(false);
    expect(sseData(text).at(-1)).toBe('[DONE]');
    expect(chunksOf(text).some((c) => c.usage != null)).toBe(false);
    expect(contentOf(chunksOf(text) as never)).toBe('Fake reply to: x y z');
  });

  test('an SSE event split across two upstream writes is relayed whole', async () => {
    const base = { id: 'chatcmpl-split', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
    const content = sseEvent({ ...base, choices: [{ index: 0, delta: { content: 'split event' }, logprobs: null, finish_reason: null }] });
    const cut = Math.floor(content.length / 2);
    fake.script({
      sse: [
        sseEvent({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }),
        content.slice(0, cut),
        content.slice(cut),
        sseEvent({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }),
        'data: [DONE]\n\n',
      ],
      delayMs: 30,
    });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
    const { text, timedOut } = await readStream(res, 3000);
    expect(timedOut).toBe(false);
    expect(contentOf(chunksOf(text) as never)).toBe('split event');
    expect(sseData(text).at(-1)).toBe('[DONE]');
  });
});

describe('trace and session headers', () => {
  test('X-Trace-ID is echoed exactly and forwarded upstream; X-Session-Id accepted', async () => {
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-trace-id': 'trace-abc.123:xyz', 'x-session-id': 'sess-42' },
      json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe('trace-abc.123:xyz');
    expect(fake.last()!.headers['x-trace-id']).toBe('trace-abc.123:xyz');
  });

  test('a trace id is generated when absent, distinct per request', async () => {
    const a = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/x', messages: [{ role: 'user', content: 'hi' }] } });
    const b = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/x', messages: [{ role: 'user', content: 'hi' }] } });
    expect(a.headers.get('x-trace-id')).toMatch(HEX32);
    expect(b.headers.get('x-trace-id')).toMatch(HEX32);
    expect(a.headers.get('x-trace-id')).not.toBe(b.headers.get('x-trace-id'));
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test('SDK defaultHeaders and per-request headers carry trace and session ids', async () => {
    const traced = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0, defaultHeaders: { 'X-Trace-ID': 'default-trace-1', 'X-Session-Id': 'sess-default' } });
    const first = await traced.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(first.response.headers.get('x-trace-id')).toBe('default-trace-1');
    expect(fake.last()!.headers['x-trace-id']).toBe('default-trace-1');

    const second = await traced.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'X-Trace-ID': 'per-request-2', 'X-Session-Id': 'sess-2' } })
      .withResponse();
    expect(second.response.headers.get('x-trace-id')).toBe('per-request-2');
    expect(second.data.choices[0]!.message.content).toBe('Fake reply to: hi');
    expect(fake.last()!.headers['x-trace-id']).toBe('per-request-2');

    const streamed = await traced.chat.completions
      .create({ model: 'demo/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'X-Trace-ID': 'stream-trace-3' } })
      .withResponse();
    expect(streamed.response.headers.get('x-trace-id')).toBe('stream-trace-3');
    let n = 0;
    for await (const _ of streamed.data) n++;
    expect(n).toBeGreaterThan(1);
  });
});

describe('client abort', () => {
  test('aborting a stream mid-way aborts the upstream request', async () => {
    const base = { id: 'chatcmpl-hang', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
    fake.script({
      sse: [
        sseEvent({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }),
        sseEvent({ ...base, choices: [{ index: 0, delta: { content: 'partial' }, logprobs: null, finish_reason: null }] }),
        ': keep-alive\n\n',
      ],
      hangAfter: true,
    });
    const ac = new AbortController();
    const res = await api(gw, '/v1/chat/completions', {
      method: 'POST',
      signal: ac.signal,
      json: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'never finishes' }] },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(new TextDecoder().decode(first.value)).toContain('data: {');
    expect(fake.last()!.aborted).toBe(false);
    ac.abort();
    await reader.cancel().catch(() => {});
    expect(await waitFor(() => fake.last()?.aborted === true, 3000)).toBe(true);
  });
});
