// The anthropic provider end to end: the official openai SDK → the real gateway → the fake Anthropic upstream.
// Chat, streaming with usage, a tool round trip (checking what Anthropic receives), structured output, images,
// error mapping and failover.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { anthropicError, anthropicEvent, PING, planReply, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';

const KEY = 'sk-ant-test';
const MODEL = 'claude-sonnet-4-20250514';
let fake: FakeAnthropic;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY });
  gw = await startTestGateway(`
providers:
  anthropic: { type: anthropic, api_key: ${KEY}, base_url: "${fake.url}" }
  demo: { type: mock }
routes:
  - match: claude-with-fallback
    targets: [{ provider: anthropic, model: ${MODEL} }, { provider: demo, model: echo }]
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

/** The usage the fake reported for the last request, in OpenAI's terms. */
function fakeUsage() {
  const rec = fake.last()!;
  const u = planReply(rec.body, rec.rawBody).usage;
  const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  return { prompt_tokens: prompt, completion_tokens: u.output_tokens, total_tokens: prompt + u.output_tokens };
}

const caught = (p: PromiseLike<unknown>): Promise<any> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e);

describe('chat', () => {
  test('a claude-* model reaches Anthropic: headers, body, and the answer mapped back', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello' }], user: 'u-1' });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(MODEL);
    expect(res.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: 'You said: Hello' }, finish_reason: 'stop' });
    expect(res.usage).toMatchObject(fakeUsage());
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1/messages');
    expect(rec.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(rec.body).toEqual({
      model: MODEL, max_tokens: 4096, system: [{ type: 'text', text: 'Be terse.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], metadata: { user_id: 'u-1' },
    });
  });

  test('max_tokens reached → finish_reason length', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five' }], max_tokens: 3 });
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(fake.last()!.body.max_tokens).toBe(3);
  });

  test('stream with include_usage: text deltas, finish, and usage equal to the fake\'s', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream this please' }], stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: Stream this please');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject(fakeUsage());
    expect(fake.last()!.body.stream).toBe(true);
  });

  test('stream without include_usage: no usage chunk', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true } });
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(text).not.toContain('usage');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  test('an image as a data URL goes up as a base64 image block', async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    });
    expect(res.choices[0]!.message.content).toBe('I see 1 image. You said: What is this?');
    expect(fake.last()!.body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } });
  });
});

describe('tools', () => {
  const weatherParams = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const tools: ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherParams } },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
  ];
  const ask: ChatCompletionMessageParam = { role: 'user', content: 'Use get_weather and get_time' };

  test('round trip: two tool calls, both results sent back as one user turn of tool_result blocks', async () => {
    const first = await client.chat.completions.create({ model: MODEL, messages: [ask], tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls!.filter((c) => c.type === 'function');
    expect(calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({ city: expect.any(String) });
    expect(calls[1]!.function.arguments).toBe('{}');
    expect(fake.last()!.body.tools[0]).toEqual({ name: 'get_weather', description: 'Weather for a city', input_schema: weatherParams });

    const second = await client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        ask,
        choice.message as ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: calls[0]!.id, content: '18C' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '12:00' },
      ],
    });
    expect(second.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Tool results: 18C; 12:00' } });
    const sent = fake.last()!.body.messages;
    expect(sent).toHaveLength(3);
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'I will use a tool for that.' },
        { type: 'tool_use', id: calls[0]!.id, name: 'get_weather', input: JSON.parse(calls[0]!.function.arguments) },
        { type: 'tool_use', id: calls[1]!.id, name: 'get_time', input: {} },
      ],
    });
    expect(sent[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: calls[0]!.id, content: '18C' },
        { type: 'tool_result', tool_use_id: calls[1]!.id, content: '12:00' },
      ],
    });
  });

  test('streamed tool calls after a text block: indices 0 and 1, stable ids, arguments reassemble', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [ask], tools, stream: true });
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      const ch = c.choices[0];
      text += ch?.delta.content ?? '';
      finish = ch?.finish_reason ?? finish;
      for (const tc of ch?.delta.tool_calls ?? []) {
        const cur = calls.get(tc.index) ?? { id: '', name: '', args: '' };
        if (tc.id) {
          expect(cur.id === '' || cur.id === tc.id).toBe(true);
          cur.id = tc.id;
        }
        cur.name += tc.function?.name ?? '';
        cur.args += tc.function?.arguments ?? '';
        calls.set(tc.index, cur);
      }
    }
    expect(text).toBe('I will use a tool for that.');
    expect(finish).toBe('tool_calls');
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)!.name).toBe('get_weather');
    expect(JSON.parse(calls.get(0)!.args)).toEqual({ city: expect.any(String) });
    expect(calls.get(1)).toMatchObject({ name: 'get_time', args: '{}' });
  });

  test('tool_choice required + parallel_tool_calls false → tool_choice any with parallel use disabled', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [ask], tools, tool_choice: 'required', parallel_tool_calls: false });
    expect(res.choices[0]!.message.tool_calls).toHaveLength(1);
    expect(fake.last()!.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });
});

describe('structured output', () => {
  const Answer = z.object({ city: z.string(), population: z.number().int(), tags: z.array(z.string()) });

  test('json_schema: the SDK parses content valid against the schema; Anthropic got a forced tool', async () => {
    const res = await client.chat.completions.parse({ model: MODEL, messages: [{ role: 'user', content: 'Describe Paris' }], response_format: zodResponseFormat(Answer, 'answer') });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(Answer.safeParse(choice.message.parsed).success).toBe(true);
    expect(choice.message.tool_calls ?? []).toEqual([]);
    const body = fake.last()!.body;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json' });
    expect(body.tools[0].input_schema).toMatchObject({ type: 'object', required: ['city', 'population', 'tags'] });
  });

  test('json_schema streamed: the content deltas make the JSON', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL, stream: true, messages: [{ role: 'user', content: 'Describe Paris' }], response_format: zodResponseFormat(Answer, 'answer'),
    });
    let content = '';
    for await (const c of stream) content += c.choices[0]?.delta.content ?? '';
    expect(Answer.safeParse(JSON.parse(content)).success).toBe(true);
  });
});

describe('errors', () => {
  test('401 from Anthropic → 502 PROVIDER_ERROR about Dvara\'s credentials, without the key', async () => {
    fake.script({ status: 401, json: anthropicError('authentication_error', `invalid x-api-key ${KEY}`) });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] } });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain(KEY);
    const e = JSON.parse(text).error;
    expect(e.code).toBe('PROVIDER_ERROR');
    expect(e.message).toContain("rejected Dvara's credentials");
  });

  test('400 from Anthropic: status and message passed through', async () => {
    fake.script({ status: 400, json: anthropicError('invalid_request_error', 'messages.0.content.0.image.source.base64.media_type: Input should be image/jpeg') });
    const err = await caught(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain('media_type: Input should be image/jpeg');
    expect(err.error.code).toBe('INVALID_REQUEST');
  });

  test('529 overloaded → 503 PROVIDER_UNAVAILABLE; on a route with a fallback the next target answers', async () => {
    fake.script({ status: 529, json: anthropicError('overloaded_error', 'Overloaded') });
    const err = await caught(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.error.code).toBe('PROVIDER_UNAVAILABLE');

    fake.script({ status: 529, json: anthropicError('overloaded_error', 'Overloaded') });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'claude-with-fallback', messages: [{ role: 'user', content: 'Hi' }] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dvara-provider')).toBe('demo');
  });

  test('429 → 502 and failover-eligible', async () => {
    fake.script({ status: 429, json: anthropicError('rate_limit_error', 'Rate limited'), headers: { 'retry-after': '3' } });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'claude-with-fallback', messages: [{ role: 'user', content: 'Hi' }] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dvara-provider')).toBe('demo');
  });

  test('an error event mid-stream reaches the SDK as an error', async () => {
    const start = anthropicEvent('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: MODEL, content: [], usage: { input_tokens: 5, output_tokens: 1 } } });
    fake.script({
      sse: [
        start, PING,
        anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
        anthropicEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
    });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    const err = await caught((async () => { for await (const c of stream) text += c.choices[0]?.delta.content ?? ''; })());
    expect(text).toBe('Hel');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain('Overloaded');
  });

  test('n > 1 is refused with a 400 naming n, before anything goes upstream', async () => {
    const err = await caught(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], n: 2 }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ code: 'INVALID_REQUEST', param: 'n' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('legacy completions through chat', () => {
  test('POST /v1/completions with a Claude model: the prompt as one user turn, the text back as a completion', async () => {
    const res = await client.completions.create({ model: MODEL, prompt: 'Say this is a test', max_tokens: 50 });
    expect(res.object).toBe('text_completion');
    expect(res.choices[0]).toMatchObject({ index: 0, text: 'You said: Say this is a test', finish_reason: 'stop' });
    expect(res.usage!.total_tokens).toBeGreaterThan(0);
    expect(fake.last()!.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Say this is a test' }] }]);
  });

  test('streamed: text_completion chunks, usage last, [DONE]', async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: 'Stream a test', stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage = 0;
    for await (const c of stream) {
      expect(c.object).toBe('text_completion');
      text += c.choices[0]?.text ?? '';
      if (c.usage) usage = c.usage.total_tokens;
    }
    expect(text).toBe('You said: Stream a test');
    expect(usage).toBeGreaterThan(0);
  });

  test('what chat cannot honour (echo, suffix, several prompts) is a 400 naming it', async () => {
    expect((await caught(client.completions.create({ model: MODEL, prompt: 'x', echo: true }))).error.param).toBe('echo');
    expect((await caught(client.completions.create({ model: MODEL, prompt: ['a', 'b'] }))).error.param).toBe('prompt');
  });
});
