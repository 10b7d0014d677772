// Exercises the fake upstream directly (raw fetch + the official openai SDK), so gateway tests can
// trust that what it emits is what OpenAI emits and that its request recording is accurate.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { SSE_DONE, floatsToBase64, quirks, sseData, startFakeOpenAI, type FakeUpstream } from './openai-upstream.ts';

let fake: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(async () => { await fake.stop(); });
beforeEach(() => fake.reset());

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });

async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(20)) if (cond()) return true;
  return cond();
}

/** Splits an SSE body into its events, asserting OpenAI framing (`data: …` + blank line) on the way. */
function events(text: string): string[] {
  expect(text.endsWith(SSE_DONE)).toBe(true);
  const parts = text.split('\n\n');
  expect(parts.pop()).toBe('');
  for (const p of parts) expect(p.startsWith('data: ')).toBe(true);
  return parts.map((p) => p.slice('data: '.length));
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city', 'days'] },
  },
};

describe('chat completions', () => {
  test('non-stream reply echoes model, is deterministic, and the request is recorded', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hello world' }] });
    expect(res.id).toStartWith('chatcmpl-');
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.system_fingerprint).toBeString();
    expect(res.choices[0]!.message).toEqual({ role: 'assistant', content: 'Fake reply to: Hello world', refusal: null, annotations: [] });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // ceil((8 + 11 chars) / 4) + 3; reply has 5 words, + 1.
    expect(res.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14, prompt_tokens_details: { cached_tokens: 0 } });

    const rec = fake.last()!;
    expect(rec.method).toBe('POST');
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.search).toBe('');
    expect(rec.headers.authorization).toBe('Bearer sk-test');
    expect(rec.headers['content-type']).toContain('application/json');
    expect(rec.body.messages[1]).toEqual({ role: 'user', content: 'Hello world' });
    expect(JSON.parse(rec.rawBody)).toEqual(rec.body);
    expect(rec.aborted).toBe(false);
  });

  test('stream with include_usage: SDK yields chunks, usage:null on each, final choices:[] with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three' }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 7, total_tokens: 14 });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Fake reply to: one two three');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(6); // one word per chunk
    expect(chunks.at(-2)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  test('stream bytes: content-type, data framing, no usage key without include_usage, [DONE]', async () => {
    const res = await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const evs = events(await res.text());
    expect(evs.at(-1)).toBe('[DONE]');
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e));
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect('usage' in c).toBe(false);
      expect(c.choices).toHaveLength(1);
    }
  });

  test('tool call streams as OpenAI does and reassembles to valid JSON from required properties', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] });
    const deltas = [];
    let finish: string | null = null;
    for await (const c of stream) {
      const ch = c.choices[0];
      if (ch?.delta.tool_calls) deltas.push(...ch.delta.tool_calls);
      finish = ch?.finish_reason ?? finish;
    }
    const [first, ...rest] = deltas;
    expect(first).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(first!.id).toStartWith('call_');
    expect(rest.length).toBeGreaterThanOrEqual(3);
    for (const d of rest) expect(Object.keys(d).sort()).toEqual(['function', 'index']);
    expect(JSON.parse(rest.map((d) => d.function!.arguments).join(''))).toEqual({ city: 'Paris', days: 1 });
    expect(finish).toBe('tool_calls');
  });

  test('non-stream tool call honours a named tool_choice; tool_choice none gives text', async () => {
    const other = { type: 'function' as const, function: { name: 'noop', parameters: { type: 'object', properties: {} } } };
    const res = await client.chat.completions.create({ model: 'm', tools: [other, weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } }, messages: [{ role: 'user', content: 'x' }] });
    const msg = res.choices[0]!.message;
    expect(msg.content).toBeNull();
    expect(msg.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":1}' } });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    const none = await client.chat.completions.create({ model: 'm', tools: [weatherTool], tool_choice: 'none', messages: [{ role: 'user', content: 'x' }] });
    expect(none.choices[0]!.message.content).toBe('Fake reply to: x');
  });

  test('json_schema response_format yields JSON matching the schema; max_tokens truncates with length', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' }, ok: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } }, addr: { type: 'object', properties: { zip: { type: 'integer' } } } } };
    const res = await client.chat.completions.create({ model: 'm', response_format: { type: 'json_schema', json_schema: { name: 'p', schema } }, messages: [{ role: 'user', content: 'x' }] });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Paris', age: 1, ok: true, tags: ['Paris'], addr: { zip: 1 } });
    const cut = await client.chat.completions.create({ model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'long question here' }] });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'Fake reply' }, finish_reason: 'length' });
    expect(cut.usage!.completion_tokens).toBe(2);
  });

  test('other base paths (DashScope, Zhipu, Azure) are served and recorded with their query', async () => {
    for (const path of ['/compatible-mode/v1/chat/completions', '/api/paas/v4/chat/completions']) {
      const res = await post(path, { model: 'qwen-plus', messages: [{ role: 'user', content: 'hi' }] });
      expect(((await res.json()) as any).choices[0].message.content).toBe('Fake reply to: hi');
    }
    const az = await post('/openai/deployments/my-dep/chat/completions?api-version=2024-10-21', { messages: [{ role: 'user', content: 'hi' }] });
    expect(((await az.json()) as any).model).toBe('my-dep');
    expect(fake.last()).toMatchObject({ path: '/openai/deployments/my-dep/chat/completions', search: '?api-version=2024-10-21' });
    expect(fake.requests).toHaveLength(3);
  });
});

describe('embeddings, legacy completions, models', () => {
  test('float and base64 (SDK default) decode to the same deterministic vectors', async () => {
    const input = ['alpha', 'beta'];
    const asFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
    const asB64 = await client.embeddings.create({ model: 'text-embedding-3-small', input });
    expect(fake.last()!.body.encoding_format).toBe('base64'); // the SDK asks for base64 and decodes itself
    expect(asFloat.data).toHaveLength(2);
    expect(asFloat.data[0]!.embedding).toHaveLength(8);
    expect(asB64.data.map((d) => d.embedding)).toEqual(asFloat.data.map((d) => d.embedding));
    expect(asFloat.data[0]!.embedding).not.toEqual(asFloat.data[1]!.embedding);
    expect(asFloat.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // ceil(5/4) + ceil(4/4)
    const dims = await client.embeddings.create({ model: 'm', input: [1, 2, 3], dimensions: 4, encoding_format: 'float' });
    expect(dims.data[0]!.embedding).toHaveLength(4);
    expect(floatsToBase64([0.5, -1.0, 0.25])).toBe('AAAAPwAAgL8AAIA+');
    const raw = (await (await post('/v1/embeddings', { model: 'm', input: 'alpha', encoding_format: 'base64' })).json()) as any;
    expect(raw.data[0].embedding).toBe(floatsToBase64(asFloat.data[0]!.embedding));
  });

  test('legacy completions: body and stream with usage chunk', async () => {
    const res = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    expect(res).toMatchObject({ object: 'text_completion', choices: [{ text: 'Fake completion for: Say hi', index: 0, logprobs: null, finish_reason: 'stop' }] });
    const stream = await client.completions.create({ model: 'm', prompt: 'Say hi', stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('Fake completion for: Say hi');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
  });

  test('models list', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(fake.last()).toMatchObject({ method: 'GET', path: '/v1/models', body: null });
  });
});

describe('scripted replies', () => {
  test('scripted 400 surfaces as BadRequestError; scripts are FIFO one-shots', async () => {
    fake.script({ status: 400, json: { error: { message: 'bad messages', type: 'invalid_request_error', param: 'messages', code: null } } });
    fake.script({ status: 429, json: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '1' } });
    const req = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    const err = await client.chat.completions.create(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('bad messages');
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
    const res = await post('/v1/embeddings', { model: 'm', input: 'x' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await client.chat.completions.create(req)).choices[0]!.message.content).toBe('Fake reply to: x');
  });

  test('sse events are written verbatim, one per write, with chunkDelayMs/delayMs between', async () => {
    const transcript = quirks.moonshotUsageInChoice();
    fake.script({ sse: transcript, delayMs: 40 });
    const res = await post('/v1/chat/completions', {});
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      arrivals.push(Date.now());
      text += new TextDecoder().decode(r.value);
    }
    expect(text).toBe(transcript.join(''));
    expect(arrivals.length).toBeGreaterThanOrEqual(3); // delivered incrementally, not as one blob
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(40 * (transcript.length - 2));
  });

  test('hangAfter + client abort marks the request aborted', async () => {
    fake.script({ sse: [': keep-alive\n\n', sseData({ choices: [] })], hangAfter: true });
    const ac = new AbortController();
    const res = await post('/v1/chat/completions', { stream: true }, { signal: ac.signal });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"choices"')) seen += new TextDecoder().decode((await reader.read()).value);
    expect(seen).toBe(': keep-alive\n\n' + sseData({ choices: [] }));
    await Bun.sleep(50); // still hanging: nothing more arrives and nothing is flagged yet
    expect(fake.last()!.aborted).toBe(false);
    ac.abort();
    expect(await waitFor(() => fake.last()!.aborted)).toBe(true);
  });

  test('destroy cuts the connection after the events; not counted as a client abort', async () => {
    fake.script({ sse: [sseData({ a: 1 }), sseData({ a: 2 })], destroy: true });
    const res = await post('/v1/chat/completions', {});
    const reader = res.body!.getReader();
    let text = '';
    const err = await (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    })().then(() => null, (e: unknown) => e);
    expect(text).toBe(sseData({ a: 1 }) + sseData({ a: 2 }));
    expect(err).toBeInstanceOf(Error);
    expect(fake.last()!.aborted).toBe(false);
  });

  test('delayMs holds the headers back; raw bodies are sent as-is', async () => {
    fake.script({ delayMs: 150, then: { raw: '\n\n{"ok":true}', contentType: 'application/json' } });
    const t0 = Date.now();
    const res = await fetch(`${fake.url}/v1/models`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('\n\n{"ok":true}');
    fake.script({ delayMs: 10 }); // no `then`: default behaviour after the wait
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });

  test('reset clears recorded requests and pending scripts', async () => {
    fake.script({ status: 500, json: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
    fake.reset();
    expect(fake.requests).toEqual([]);
    expect((await post('/v1/chat/completions', { model: 'm', messages: [] })).status).toBe(200);
  });
});
