// POST /v1/responses end to end with the openai SDK: translated to Chat Completions for providers without a
// Responses API (here Anthropic's fake and the mock), with the same auth, routing, usage and errors.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { api, sseData, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const CLAUDE = 'claude-sonnet-4-20250514';
let fake: FakeAnthropic;
let openai: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  openai = await startFakeOpenAI();
  gw = await startTestGateway(`
providers:
  openai: { type: openai, api_key: sk-openai-test, base_url: "${openai.url}/v1" }
  deepseek: { type: deepseek, api_key: sk-deepseek-test, base_url: "${openai.url}/v1" }
  anthropic: { type: anthropic, api_key: sk-ant-test, base_url: "${fake.url}" }
  demo: { type: mock }
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
  await openai?.stop();
});
beforeEach(() => {
  fake.reset();
  openai.reset();
});

const caught = (p: PromiseLike<unknown>): Promise<any> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e);
const weather = { type: 'function' as const, name: 'get_weather', description: 'Weather in a city', strict: true, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } };

describe('translated (a provider without a Responses API)', () => {
  test('input string and instructions → a Response with output_text and usage; Anthropic got system + user', async () => {
    const r = await client.responses.create({ model: CLAUDE, input: 'Hello there', instructions: 'Be brief.', max_output_tokens: 200 });
    expect(r).toMatchObject({ object: 'response', status: 'completed', model: CLAUDE, instructions: 'Be brief.' });
    expect(r.output_text).toBe('You said: Hello there');
    expect(r.id).toStartWith('resp_');
    expect(r.usage!.input_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    expect(fake.last()!.body).toMatchObject({ system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 200, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }] });
  });

  test('streaming: typed events in order with growing sequence numbers; the SDK helper assembles the answer', async () => {
    const stream = client.responses.stream({ model: CLAUDE, input: 'Stream this please' });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('You said: Stream this please');
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types).toContain('response.output_text.delta');
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(final.usage!.output_tokens).toBeGreaterThan(0);
  });

  test('a function tool round trip: function_call out, function_call_output back in', async () => {
    const first = await client.responses.create({ model: CLAUDE, input: 'What is the weather in Paris?', tools: [weather] });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(JSON.parse(call.arguments)).toEqual({ city: expect.any(String) });
    const input: ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Paris?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '18C and sunny' }];
    const second = await client.responses.create({ model: CLAUDE, input, tools: [weather] });
    expect(second.output_text).toBe('Tool results: 18C and sunny');
    const sent = fake.last()!.body.messages;
    expect(sent[1].content.find((b: any) => b.type === 'tool_use')).toMatchObject({ id: call.call_id, name: 'get_weather' });
    expect(sent[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: call.call_id, content: '18C and sunny' });
  });

  test('streamed function calls: output_item.added, argument deltas, done events', async () => {
    const res = await api(gw, '/v1/responses', { method: 'POST', json: { model: CLAUDE, input: 'weather?', tools: [weather], tool_choice: 'required', stream: true } });
    const events = sseData(await res.text()).map((d) => JSON.parse(d));
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
    expect(added.item).toMatchObject({ name: 'get_weather', arguments: '', status: 'in_progress' });
    const args = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
    expect(events.find((e) => e.type === 'response.function_call_arguments.done').arguments).toBe(args);
    const done = events.at(-1);
    expect(done.type).toBe('response.completed');
    expect(done.response.output.find((o: any) => o.type === 'function_call').arguments).toBe(args);
  });

  test('text.format json_schema → structured output; the SDK parse helper reads it', async () => {
    const r = await client.responses.parse({
      model: CLAUDE,
      input: 'Paris weather as JSON',
      text: { format: { type: 'json_schema', name: 'weather', strict: true, schema: { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false } } },
    });
    expect(JSON.parse(r.output_text)).toEqual({ city: expect.any(String), celsius: expect.any(Number) });
  });

  test('max_output_tokens reached → status incomplete with the reason', async () => {
    const r = await client.responses.create({ model: CLAUDE, input: 'one two three four five six seven', max_output_tokens: 3 });
    expect(r.status).toBe('incomplete');
    expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  test('the mock answers too (any provider reaches /v1/responses)', async () => {
    const r = await client.responses.create({ model: 'demo/echo', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi mock' }] }] });
    expect(r.output_text).toContain('hi mock');
  });
});

describe('translated: regressions', () => {
  test('an OpenAI-compatible provider gets a chat body, never the client\'s Responses bytes (deepseek, non-stream)', async () => {
    const r = await client.responses.create({ model: 'deepseek-chat', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Explain REST briefly.' }] }] });
    expect(r.output_text).toBe('Fake reply to: Explain REST briefly.');
    const rec = openai.last()!;
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.body.input).toBeUndefined();
    expect(rec.body.messages).toEqual([{ role: 'user', content: 'Explain REST briefly.' }]);
  });

  test('item_reference to an item Dvara returned earlier resolves (the Vercel AI SDK with its default store: true)', async () => {
    const first = await client.responses.create({ model: CLAUDE, input: 'What is the weather in Paris?', tools: [weather] });
    const text = first.output.find((o) => o.type === 'message')!;
    const call = first.output.find((o) => o.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    const input = [
      { role: 'user', content: 'What is the weather in Paris?' },
      { type: 'item_reference', id: text.id },
      { type: 'item_reference', id: call.id },
      { type: 'function_call_output', call_id: call.call_id, output: '18C' },
    ] as ResponseInputItem[];
    const second = await client.responses.create({ model: CLAUDE, input, tools: [weather] });
    expect(second.output_text).toBe('Tool results: 18C');
    const sent = fake.last()!.body.messages[1].content;
    expect(sent[0]).toEqual({ type: 'text', text: 'I will use a tool for that.' });
    expect(sent[1]).toMatchObject({ type: 'tool_use', id: call.call_id, name: 'get_weather' });
  });

  test('an unknown item_reference is a 400 saying what to send instead', async () => {
    const err = await caught(client.responses.create({ model: CLAUDE, input: [{ type: 'item_reference', id: 'msg_unknown' }] as ResponseInputItem[] }));
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('input[0].id');
    expect(err.error.message).toContain('store = false');
  });
});

describe('native (OpenAI itself)', () => {
  test('the body goes to OpenAI /v1/responses unchanged but for the model; the answer comes back as is', async () => {
    const r = await client.responses.create({ model: 'openai/gpt-4o', input: 'Hello native', instructions: 'Be brief.', store: true });
    expect(r.output_text).toBe('You said: Hello native');
    const rec = openai.last()!;
    expect(rec.path).toBe('/v1/responses');
    expect(rec.body).toEqual({ model: 'gpt-4o', input: 'Hello native', instructions: 'Be brief.', store: true });
    expect(rec.headers.authorization).toBe('Bearer sk-openai-test');
    // Stored by OpenAI, so previous_response_id works natively.
    const next = await client.responses.create({ model: 'gpt-4o', input: 'And again', previous_response_id: r.id });
    expect(next.previous_response_id).toBe(r.id);
  });

  test("streams are OpenAI's own events, relayed as they come", async () => {
    const stream = client.responses.stream({ model: 'gpt-4o', input: 'Stream natively' });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect((await stream.finalResponse()).output_text).toBe('You said: Stream natively');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(openai.last()!.body.stream).toBe(true);
  });

  test("OpenAI's own 400 (an unknown previous_response_id) keeps its words", async () => {
    const err = await caught(client.responses.create({ model: 'gpt-4o', input: 'x', previous_response_id: 'resp_unknown' }));
    expect(err.status).toBe(400);
    expect(err.error.message).toContain('resp_unknown');
  });
});

describe('errors', () => {
  test('previous_response_id on a translated provider: 400 naming it and what to do instead', async () => {
    const err = await caught(client.responses.create({ model: CLAUDE, input: 'again', previous_response_id: 'resp_123' }));
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('previous_response_id');
    expect(err.error.message).toContain('send the whole conversation in `input`');
    expect(fake.requests).toHaveLength(0);
  });

  test('a built-in tool on a translated provider: 400 naming the tool', async () => {
    const err = await caught(client.responses.create({ model: CLAUDE, input: 'search', tools: [{ type: 'web_search' }] }));
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('tools[0].type');
  });

  test('missing input, unknown model, bad key: the contract codes', async () => {
    const missing = await api(gw, '/v1/responses', { method: 'POST', json: { model: CLAUDE } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error).toMatchObject({ code: 'INVALID_REQUEST', param: 'input' });
    const unknown = await caught(client.responses.create({ model: 'nope-1', input: 'x' }));
    expect(unknown.error.code).toBe('NO_PROVIDER');
    const bad = new OpenAI({ baseURL: gw.baseURL, apiKey: 'mk-wrong', maxRetries: 0 });
    expect((await caught(bad.responses.create({ model: CLAUDE, input: 'x' }))).status).toBe(401);
  });

  test('an upstream failure before any output fails over; mid-stream it ends with an error event', async () => {
    fake.script({ status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const err = await caught(client.responses.create({ model: CLAUDE, input: 'x' }));
    expect(err.status).toBe(503);
    fake.script({ sse: ['event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\n', 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n', 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n'], destroy: true });
    const res = await api(gw, '/v1/responses', { method: 'POST', json: { model: CLAUDE, input: 'x', stream: true } });
    const events = sseData(await res.text()).map((d) => JSON.parse(d));
    expect(events.some((e) => e.type === 'response.output_text.delta' && e.delta === 'Hel')).toBe(true);
    expect(events.at(-1).type).toBe('error');
  });
});
