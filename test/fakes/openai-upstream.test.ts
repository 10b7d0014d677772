// Exercises the fake upstream directly (raw fetch + the official openai SDK), so gateway tests can
// trust that what it emits is what OpenAI emits and that its request recording is accurate.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import {
  SSE_DONE, floatsToBase64, quirks, responseBody, responseStreamEvents, responsesErrorEvent, responsesEvent, sseData,
  startFakeOpenAI, type FakeUpstream,
} from './openai-upstream.ts';

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

/** Splits a Responses SSE body into {event, data}, asserting its framing: `event:` + `data:` lines, no [DONE]. */
function typedEvents(text: string): Array<{ event: string; data: any }> {
  expect(text).not.toContain('[DONE]');
  const parts = text.split('\n\n');
  expect(parts.pop()).toBe('');
  return parts.map((p) => {
    const m = /^event: (\S+)\ndata: (.*)$/.exec(p);
    expect(m).not.toBeNull();
    const data = JSON.parse(m![2]!);
    expect(data.type).toBe(m![1]);
    return { event: m![1]!, data };
  });
}

const rWeather = {
  type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
};

describe('responses', () => {
  test('non-stream text: Response object shape, usage, recorded request', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief', input: 'Hello world' });
    expect(res.output_text).toBe('You said: Hello world');
    expect(res.id).toStartWith('resp_');
    expect(res).toMatchObject({
      object: 'response', status: 'completed', error: null, incomplete_details: null, instructions: 'Be brief', model: 'gpt-4o-mini',
      max_output_tokens: null, parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null },
      store: true, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], truncation: 'disabled', metadata: {},
    });
    expect(res.output).toHaveLength(1);
    const msg = res.output[0] as any;
    expect(msg.id).toStartWith('msg_');
    expect(msg).toEqual({ id: msg.id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'You said: Hello world', annotations: [], logprobs: [] }] });
    // ceil((8 + 11 chars) / 4) + 3; 4 words + 1.
    expect(res.usage as unknown).toEqual({ input_tokens: 8, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 13 });
    expect(fake.last()).toMatchObject({ method: 'POST', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'Hello world' } });
    // Message-array input with parts; the last user message is answered.
    const arr = await client.responses.create({
      model: 'm',
      input: <any[]>[
        { role: 'developer', content: 'Rules' },
        { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] },
        { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'auto' }] },
      ],
    });
    expect(arr.output_text).toBe('You said: look');
  });

  test('tools round trip: function_call, then function_call_output via previous_response_id or replayed input', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', tools: [rWeather], input: 'Weather in Paris?' });
    expect(first.output).toHaveLength(1);
    const call = first.output[0] as any;
    expect(call).toEqual({ id: call.id, type: 'function_call', status: 'completed', arguments: '{"city":"Paris","days":1}', call_id: call.call_id, name: 'get_weather' });
    expect(call.id).toStartWith('fc_');
    expect(call.call_id).toStartWith('call_');
    expect(first.output_text).toBe('');
    expect(first.tools).toEqual([{ ...rWeather }]);

    const result = { type: 'function_call_output' as const, call_id: call.call_id, output: '{"temp":20}' };
    const chained = await client.responses.create({ model: 'gpt-4o', tools: [rWeather], previous_response_id: first.id, input: [result] });
    expect(chained.output_text).toBe('Tool results: {"temp":20}');
    expect(chained.previous_response_id).toBe(first.id);
    const replayed = await client.responses.create({ model: 'gpt-4o', tools: [rWeather], input: [{ role: 'user', content: 'Weather in Paris?' }, call, result] });
    expect(replayed.output_text).toBe('Tool results: {"temp":20}');

    const again = await client.responses.create({ model: 'm', tools: [rWeather], tool_choice: 'required', previous_response_id: first.id, input: [result] });
    expect(again.output[0]!.type).toBe('function_call');
    const noop = { type: 'function' as const, name: 'noop', parameters: { type: 'object', properties: {} }, strict: false };
    const named = await client.responses.create({ model: 'm', tools: [noop, rWeather], tool_choice: { type: 'function', name: 'get_weather' }, input: 'x' });
    expect(named.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather' });
    const none = await client.responses.create({ model: 'm', tools: [rWeather, { type: 'web_search' }], tool_choice: 'none', input: 'x' });
    expect(none.output_text).toBe('You said: x');

    const orphan = await post('/v1/responses', { model: 'm', input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] });
    expect(orphan.status).toBe(400);
    expect(((await orphan.json()) as any).error).toMatchObject({ message: 'No tool call found for function call output with call_id call_nope.', type: 'invalid_request_error' });
  });

  test('previous_response_id must name a stored response', async () => {
    const err = await client.responses.create({ model: 'm', input: 'x', previous_response_id: 'resp_missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'previous_response_id', code: 'previous_response_not_found', message: expect.stringContaining("Previous response with id 'resp_missing' not found.") });
    const unstored = await client.responses.create({ model: 'm', input: 'x', store: false });
    expect((unstored as any).store).toBe(false);
    expect((await post('/v1/responses', { model: 'm', input: 'y', previous_response_id: unstored.id })).status).toBe(400);
    const stored = await client.responses.create({ model: 'm', input: 'remember me' });
    const next = await client.responses.create({ model: 'm', input: [], previous_response_id: stored.id });
    expect(next.output_text).toBe('You said: remember me');
  });

  test('json_schema text format yields schema JSON; json_object needs "json"; max_output_tokens → incomplete', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name', 'age', 'tags'], additionalProperties: false };
    const res = await client.responses.create({ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'person', schema, strict: true } } });
    expect(JSON.parse(res.output_text)).toEqual({ name: 'Paris', age: 1, tags: ['Paris'] });
    expect(res.text!.format as unknown).toEqual({ type: 'json_schema', description: null, name: 'person', schema, strict: true });

    const bad = await post('/v1/responses', { model: 'm', input: 'hi', text: { format: { type: 'json_object' } } });
    expect(bad.status).toBe(400);
    const ok = await client.responses.create({ model: 'm', input: 'answer in JSON', text: { format: { type: 'json_object' } } });
    expect(JSON.parse(ok.output_text)).toEqual({ reply: 'You said: answer in JSON' });

    const cut = await client.responses.create({ model: 'm', input: 'a long question here', max_output_tokens: 3 });
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 3, output_text: 'You said: a' });
    expect((cut.output[0] as any).status).toBe('incomplete');
    expect(cut.usage!.output_tokens).toBe(3);
  });

  test('stream: typed events in order with increasing sequence_number, deltas rebuild the text', async () => {
    const res = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'one two three', stream: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const evs = typedEvents(await res.text());
    expect(evs.map((e) => e.event)).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      ...Array(5).fill('response.output_text.delta'), // "You", " said:", " one", " two", " three"
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    expect(evs.map((e) => e.data.sequence_number)).toEqual(evs.map((_, i) => i));
    const [created, , added, partAdded] = evs;
    expect(created!.data.response).toMatchObject({ status: 'in_progress', output: [], usage: null });
    expect(added!.data).toMatchObject({ output_index: 0, item: { type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
    const itemId = added!.data.item.id;
    expect(partAdded!.data).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } });
    const deltas = evs.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data);
    for (const d of deltas) expect(d).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0, logprobs: [] });
    expect(deltas.map((d) => d.delta).join('')).toBe('You said: one two three');
    expect(evs[9]!.data).toMatchObject({ item_id: itemId, content_index: 0, text: 'You said: one two three', logprobs: [] });
    expect(evs[10]!.data.part).toEqual({ type: 'output_text', text: 'You said: one two three', annotations: [], logprobs: [] });
    const done = evs.at(-1)!.data.response;
    expect(done).toMatchObject({ status: 'completed', output: [{ id: itemId, status: 'completed' }], usage: { output_tokens: 6 } });
    expect(evs.at(-2)!.data.item).toEqual(done.output[0]);

    const fn = typedEvents(await (await post('/v1/responses', { model: 'm', input: 'w', tools: [rWeather], stream: true, stream_options: { include_obfuscation: false } })).text());
    const types = fn.map((e) => e.event);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(types.slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
    const argDeltas = fn.filter((e) => e.event === 'response.function_call_arguments.delta');
    expect(argDeltas.length).toBeGreaterThanOrEqual(2);
    expect(argDeltas.length).toBe(types.length - 6);
    expect(fn[2]!.data.item).toMatchObject({ type: 'function_call', status: 'in_progress', arguments: '', name: 'get_weather' });
    expect(argDeltas.map((e) => e.data.delta).join('')).toBe('{"city":"Paris","days":1}');
    for (const e of argDeltas) expect('obfuscation' in e.data).toBe(false);
    expect(fn.at(-3)!.data).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris","days":1}' });
  });

  test('SDK: create({stream: true}) and the responses.stream() helper consume the fake end to end', async () => {
    const stream = await client.responses.create({ model: 'm', input: 'stream me please', stream: true });
    const seen: string[] = [];
    for await (const ev of stream) seen.push(ev.type);
    expect(seen[0]).toBe('response.created');
    expect(seen.at(-1)).toBe('response.completed');

    const helper = client.responses.stream({ model: 'm', input: 'hello there friend' });
    let text = '';
    helper.on('response.output_text.delta', (e) => { text += e.delta; });
    const final = await helper.finalResponse();
    expect(text).toBe('You said: hello there friend');
    expect(final.output_text).toBe('You said: hello there friend');
    expect(final.status).toBe('completed');

    const calls = client.responses.stream({ model: 'm', input: 'w', tools: [rWeather] });
    const finalCall = await calls.finalResponse();
    expect(finalCall.output[0]).toMatchObject({ type: 'function_call', arguments: '{"city":"Paris","days":1}', status: 'completed' });
    // Structured output through the SDK's zod helper: the fake's schema-sampled JSON parses back.
    const Person = z.object({ name: z.string(), age: z.number(), tags: z.array(z.string()) });
    const parsed = await client.responses.stream({ model: 'm', input: 'x', text: { format: zodTextFormat(Person, 'person') } }).finalResponse();
    expect(parsed.output_parsed).toEqual({ name: 'Paris', age: 1, tags: ['Paris'] });
    expect(fake.last()!.body.text.format).toMatchObject({ type: 'json_schema', name: 'person', strict: true });
  });

  test('scripted misbehaviour: error event mid-stream, cut connection', async () => {
    const events = responseStreamEvents(responseBody({ model: 'm', input: 'one two three four' }));
    fake.script({ sse: [...events.slice(0, 5), responsesErrorEvent('The server had an error', 'server_error', 5)] });
    const evs = typedEvents(await (await post('/v1/responses', { model: 'm', input: 'x', stream: true })).text());
    expect(evs.at(-1)).toEqual({ event: 'error', data: { type: 'error', sequence_number: 5, code: 'server_error', message: 'The server had an error', param: null } });
    expect(responsesEvent('response.in_progress', { sequence_number: 1 })).toBe('event: response.in_progress\ndata: {"type":"response.in_progress","sequence_number":1}\n\n');

    fake.script({ sse: events.slice(0, 6), destroy: true });
    const stream = await client.responses.create({ model: 'm', input: 'x', stream: true });
    const err = await (async () => { for await (const _ of stream) { /* drain */ } })().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  test('validation errors match OpenAI', async () => {
    const cases: Array<[unknown, string, string | null]> = [
      [{ model: 'm', input: 'x', messages: [] }, "Unknown parameter: 'messages'.", 'messages'],
      [{ input: 'x' }, "Missing required parameter: 'model'.", 'model'],
      [{ model: 'm' }, "Missing required parameter: 'input'.", 'input'],
      [{ model: 'm', input: { role: 'user' } }, "Invalid type for 'input': expected one of a string or array of input items, but got an object instead.", 'input'],
      [{ model: 'm', input: [{ role: 'tool', content: 'x' }] }, "Invalid value: 'tool'. Supported values are: 'user', 'system', 'developer', and 'assistant'.", 'input[0].role'],
      [{ model: 'm', input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'x' }] }] }, "Invalid value: 'input_text'. Supported values are: 'output_text', and 'refusal'.", 'input[0].content[0].type'],
      [{ model: 'm', input: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, "Invalid value: 'text'. Supported values are: 'input_text', 'input_image', 'input_file', and 'input_audio'.", 'input[0].content[0].type'],
      [{ model: 'm', input: [{ type: 'function_call', call_id: 'c', arguments: '{}' }] }, "Missing required parameter: 'input[0].name'.", 'input[0].name'],
      [{ model: 'm', input: 'x', tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }, "Missing required parameter: 'tools[0].name'.", 'tools[0].name'],
      [{ model: 'm', input: 'x', text: { format: { type: 'json_schema', json_schema: { name: 'n', schema: {} } } } }, "Missing required parameter: 'text.format.name'.", 'text.format.name'],
      [{ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, "Missing required parameter: 'text.format.schema'.", 'text.format.schema'],
    ];
    for (const [body, message, param] of cases) {
      const res = await post('/v1/responses', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error).toEqual({ message, type: 'invalid_request_error', param, code: expect.anything() });
    }
    const err = await client.responses.create({ model: 'm', input: 'x', tools: [{ type: 'nope' } as any] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ param: 'tools[0].type', code: 'invalid_value' });
    expect((await fetch(`${fake.url}/v1/responses`)).status).toBe(404);
  });
});
