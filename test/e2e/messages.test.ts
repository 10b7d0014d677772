// The Anthropic front door (POST /v1/messages, /v1/messages/count_tokens) with the official Anthropic SDK,
// against an OpenAI-format upstream (the fake) and the mock provider: the body is translated to Chat
// Completions and the answer back, streams included. Native passthrough has its own test (handlers.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage } from '../../src/protocols/openai/types.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { sseData, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  gw = await startTestGateway(`
providers:
  openai: { type: openai, api_key: sk-upstream-secret, base_url: "${fake.url}/v1" }
  demo: { type: mock }
`);
  client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const hello = [{ role: 'user' as const, content: 'Hello there' }];
const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** POST with raw fetch (x-api-key, as the SDK sends it) for what the SDK's types would not let through. */
function post(path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': gw.key }): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** What a call rejects with (the SDK's APIPromise is a thenable that bun's `rejects` does not unwrap). */
async function failureOf(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

type Json = Record<string, any>;
interface SseEvent { event: string; data: Json }

function parseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((e) => e.trim())
    .map((e) => {
      const lines = e.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) };
    });
}

/** message_start first, message_stop last, blocks strictly sequential from 0, each event's type = its name. */
function checkOrder(events: SseEvent[]): void {
  const names = events.map((e) => e.event).filter((n) => n !== 'ping');
  expect(names[0]).toBe('message_start');
  expect(names.at(-1)).toBe('message_stop');
  expect(names.at(-2)).toBe('message_delta');
  let open: number | null = null;
  let next = 0;
  for (const { event, data } of events) {
    expect(data.type).toBe(event);
    if (event === 'content_block_start') {
      expect(open).toBeNull();
      expect(data.index).toBe(next);
      open = next++;
    } else if (event === 'content_block_delta') {
      expect(data.index).toBe(open!);
    } else if (event === 'content_block_stop') {
      expect(data.index).toBe(open!);
      open = null;
    } else if (event === 'message_delta') {
      expect(open).toBeNull();
    }
  }
}

describe('messages.create (translated)', () => {
  test('an OpenAI-compatible model via the fake: text, stop_reason, usage; the upstream gets Chat Completions', async () => {
    const msg = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 100, system: 'Be terse.', messages: hello, stop_sequences: ['END'], metadata: { user_id: 'u-1' } });
    expect(msg.id).toStartWith('msg_');
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.content).toEqual([{ type: 'text', text: 'Fake reply to: Hello there' } as Anthropic.TextBlock]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.stop_sequence).toBeNull();
    // The fake bills ceil(chars/4)+3 prompt tokens and one per word plus one.
    expect(msg.usage.input_tokens).toBe(Math.ceil('Be terse.Hello there'.length / 4) + 3);
    expect(msg.usage.output_tokens).toBe(6);
    expect(msg.usage.cache_read_input_tokens).toBe(0);

    const up = fake.last()!;
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect(up.body).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello there' }],
      max_tokens: 100,
      stop: ['END'],
      user: 'u-1',
    });
  });

  test('max_tokens reached → stop_reason max_tokens', async () => {
    const msg = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 2, messages: hello });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Fake reply' } as Anthropic.TextBlock);
  });

  test('the mock provider (demo/x)', async () => {
    const msg = await client.messages.create({ model: 'demo/x', max_tokens: 100, messages: hello });
    expect(msg.model).toBe('x');
    expect(msg.content).toHaveLength(1);
    expect((msg.content[0] as Anthropic.TextBlock).text).toBe('Mock reply from Dvara to: "Hello there"');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  test('responses carry request-id and the Dvara headers', async () => {
    const { response } = await client.messages.create({ model: 'demo/x', max_tokens: 10, messages: hello }).withResponse();
    expect(response.headers.get('request-id')).toStartWith('req_');
    expect(response.headers.get('x-dvara-provider')).toBe('demo');
  });
});

describe('streaming', () => {
  for (const model of ['openai/gpt-4o', 'demo/x']) {
    test(`messages.stream helpers against ${model}: text events, finalMessage, usage`, async () => {
      const texts: string[] = [];
      const stream = client.messages.stream({ model, max_tokens: 100, messages: hello });
      stream.on('text', (t) => texts.push(t));
      const final = await stream.finalMessage();
      expect(texts.length).toBeGreaterThan(1);
      expect(final.content).toHaveLength(1);
      expect((final.content[0] as Anthropic.TextBlock).text).toBe(texts.join(''));
      expect(texts.join('')).toContain('Hello there');
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.input_tokens).toBeGreaterThan(0);
      expect(final.usage.output_tokens).toBeGreaterThan(0);
    });
  }

  test('the fake upstream is asked for the usage chunk', async () => {
    await client.messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, messages: hello }).finalMessage();
    expect(fake.last()!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test('raw SSE: event names, order and block indexes (text)', async () => {
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 100, stream: true, messages: hello });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseEvents(await res.text());
    checkOrder(events);
    const start = events[0]!.data;
    expect(start.message).toMatchObject({ type: 'message', role: 'assistant', model: 'gpt-4o', content: [], stop_reason: null });
    expect(start.message.id).toStartWith('msg_');
    const delta = events.find((e) => e.event === 'message_delta')!.data;
    expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    // Usage arrives at the end upstream, so the input tokens ride in message_delta as well.
    expect(delta.usage.input_tokens).toBeGreaterThan(0);
    expect(delta.usage.output_tokens).toBe(6);
  });

  test('raw SSE: a tool call streams as a tool_use block with input_json_delta fragments', async () => {
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 100, stream: true, messages: hello, tools: [weatherTool] });
    const events = parseEvents(await res.text());
    checkOrder(events);
    const start = events.find((e) => e.event === 'content_block_start')!.data;
    expect(start.content_block).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    expect(start.content_block.id).toStartWith('call_');
    const fragments = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
    expect(fragments.length).toBeGreaterThan(1);
    expect(fragments.every((d) => d.type === 'input_json_delta')).toBe(true);
    expect(JSON.parse(fragments.map((d) => d.partial_json).join(''))).toEqual({ city: 'Paris' });
    expect(events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
  });

  test('an error inside the upstream stream becomes `event: error`; the SDK raises it', async () => {
    const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] };
    fake.script({ sse: [sseData(chunk), sseData({ error: { message: 'The server had an error', type: 'server_error' } })] });
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 100, stream: true, messages: hello });
    const events = parseEvents(await res.text());
    expect(events[0]!.event).toBe('message_start');
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({ type: 'error', error: { type: 'api_error' }, code: 'PROVIDER_ERROR' });
    expect(last.data.error.message).toContain('The server had an error');
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);

    fake.script({ sse: [sseData(chunk), sseData({ error: { message: 'boom', type: 'server_error' } })] });
    const stream = client.messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, messages: hello });
    expect(await failureOf(stream.finalMessage())).toBeInstanceOf(Anthropic.APIError);
  });

  test('a stream cut before its end is an error, not an invented end_turn', async () => {
    const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] };
    fake.script({ sse: [sseData(chunk), sseData(chunk)], destroy: true });
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 100, stream: true, messages: hello });
    const events = parseEvents(await res.text());
    expect(events.at(-1)!.event).toBe('error');
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);
  });
});

describe('tools', () => {
  test('round trip: tool_use with parsed input, tool_result back as a role tool message', async () => {
    const first = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: hello, tools: [weatherTool], tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use.name).toBe('get_weather');
    expect(use.input).toEqual({ city: 'Paris' });
    expect(fake.last()!.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.input_schema } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
    });

    const second = await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'none' },
      messages: [...hello, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] }],
    });
    expect(second.stop_reason).toBe('end_turn');
    const sent = fake.last()!.body.messages as ChatMessage[];
    expect(sent).toEqual([
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: null, tool_calls: [{ id: use.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: use.id, content: '18C and sunny' },
    ]);
  });

  test('an agent loop against the mock with the stream helper', async () => {
    const first = await client.messages.stream({ model: 'demo/x', max_tokens: 200, messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [weatherTool] }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(typeof (use.input as { city?: unknown }).city).toBe('string');
    const second = await client.messages.create({
      model: 'demo/x',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Rome?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: [{ type: 'text', text: '24C' }] }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect((second.content[0] as Anthropic.TextBlock).text).toContain('24C');
  });
});

describe('count_tokens', () => {
  test('returns a positive estimate without calling the upstream', async () => {
    const small = await client.messages.countTokens({ model: 'openai/gpt-4o', messages: hello });
    const large = await client.messages.countTokens({ model: 'openai/gpt-4o', system: 'You are a weather bot. '.repeat(20), messages: hello, tools: [weatherTool] });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(large.input_tokens).toBeGreaterThan(small.input_tokens);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('auth', () => {
  test('x-api-key and Authorization: Bearer are both accepted', async () => {
    const viaHeader = await post('/v1/messages', { model: 'demo/x', max_tokens: 10, messages: hello }, { 'x-api-key': gw.key });
    const viaBearer = await post('/v1/messages', { model: 'demo/x', max_tokens: 10, messages: hello }, { authorization: `Bearer ${gw.key}` });
    expect([viaHeader.status, viaBearer.status]).toEqual([200, 200]);
    const bearerClient = new Anthropic({ baseURL: gw.url, apiKey: null, authToken: gw.key, maxRetries: 0 });
    const msg = await bearerClient.messages.create({ model: 'demo/x', max_tokens: 10, messages: hello });
    expect(msg.type).toBe('message');
  });

  test('a bad key → 401 in Anthropic shape with code UNAUTHORIZED; the SDK raises AuthenticationError', async () => {
    const res = await post('/v1/messages', { model: 'demo/x', max_tokens: 10, messages: hello }, { 'x-api-key': 'mk-not-a-real-key-000000000000000000' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, code: 'UNAUTHORIZED' });
    expect(Object.keys(body).sort()).toEqual(['code', 'error', 'trace_id', 'type']);
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'mk-wrong', maxRetries: 0 });
    expect(await failureOf(bad.messages.create({ model: 'demo/x', max_tokens: 10, messages: hello }))).toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe('errors in Anthropic shape', () => {
  test('an unknown model → 400 NO_PROVIDER', async () => {
    const res = await post('/v1/messages', { model: 'no-such-model', max_tokens: 10, messages: hello });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' }, code: 'NO_PROVIDER' });
    expect(body.error.message).toContain('no-such-model');
    expect(await failureOf(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: hello }))).toBeInstanceOf(Anthropic.BadRequestError);
  });

  test.each([
    ['max_tokens', { model: 'demo/x', messages: hello }],
    ['messages', { model: 'demo/x', max_tokens: 10 }],
  ])('missing %s → 400 invalid_request_error INVALID_REQUEST', async (field, body) => {
    const res = await post('/v1/messages', body);
    expect(res.status).toBe(400);
    expect((await res.json()) as Json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: `Missing required field: ${field}` }, code: 'INVALID_REQUEST' });
  });

  test('malformed JSON, a bad block and a server tool are 400s, never 500s', async () => {
    const cases = [
      '{"model":',
      { model: 'demo/x', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }] },
      { model: 'openai/gpt-4o', max_tokens: 10, messages: hello, tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
      { model: 'demo/x', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] },
    ];
    for (const body of cases) {
      const res = await post('/v1/messages', body);
      const json = (await res.json()) as Json;
      expect({ status: res.status, json }).toMatchObject({ status: 400, json: { type: 'error', error: { type: 'invalid_request_error' }, code: 'INVALID_REQUEST' } });
    }
    expect(fake.requests).toHaveLength(0);
  });

  test('the message names the field that is wrong', async () => {
    const res = await post('/v1/messages', { model: 'demo/x', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image', source: { type: 'base64' } }] }] });
    expect(((await res.json()) as Json).error.message).toStartWith('Missing required field: messages[0].content[1].source.media_type');
  });

  test('unknown paths under /v1/messages → 404 not_found_error; GET → 405', async () => {
    const res = await post('/v1/messages/batches', {});
    expect(res.status).toBe(404);
    expect((await res.json()) as Json).toMatchObject({ type: 'error', error: { type: 'not_found_error' }, code: 'NOT_FOUND' });
    const get = await fetch(`${gw.url}/v1/messages`, { headers: { 'x-api-key': gw.key } });
    expect(get.status).toBe(405);
    expect(((await get.json()) as Json).type).toBe('error');
  });

  test("a key's model allowlist applies → 403 permission_error", async () => {
    const { createKey } = await import('../../src/cli/keys.ts');
    const { secret } = await createKey(gw.store, 'test', { name: 'demo-only', models: ['demo/*'] });
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 10, messages: hello }, { 'x-api-key': secret });
    expect(res.status).toBe(403);
    expect((await res.json()) as Json).toMatchObject({ error: { type: 'permission_error' }, code: 'POLICY_DENIED' });
    expect(fake.requests).toHaveLength(0);
  });

  test('an upstream failure is reported in Anthropic shape with the upstream message', async () => {
    fake.script({ status: 500, json: { error: { message: 'upstream exploded', type: 'server_error' } } });
    const res = await post('/v1/messages', { model: 'openai/gpt-4o', max_tokens: 10, messages: hello });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ type: 'error', error: { type: expect.stringMatching(/api_error|overloaded_error/) } });
    expect(JSON.stringify(body)).not.toContain('sk-upstream-secret');
  });
});
