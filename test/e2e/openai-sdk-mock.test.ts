// The built-in mock provider driven through the official openai SDK: chat, streaming, tools, structured
// output and believable usage, all offline (no fake upstream is involved except to prove it stays unused).
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionTool } from 'openai/resources/chat/completions';
import { api, sseData, type TestGateway } from '../helpers/gateway.ts';
import type { FakeUpstream } from '../fakes/openai-upstream.ts';
import { useOpenAISuite } from '../helpers/openai-suite.ts';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

useOpenAISuite((s) => ({ fake, gw, client } = s));

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
  },
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('mock provider via the SDK', () => {
  test('chat: deterministic reply, realistic usage, provider headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'demo/anything', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello mock' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('anything');
    expect(data.choices[0]!.message.role).toBe('assistant');
    expect(data.choices[0]!.message.content).toBe('Mock reply from Dvara to: "Hello mock"');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const u = data.usage!;
    expect(u.prompt_tokens).toBeGreaterThan(0);
    expect(u.completion_tokens).toBeGreaterThan(0);
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    expect(response.headers.get('x-dvara-provider')).toBe('demo');
    expect(response.headers.get('x-dvara-model')).toBe('anything');
    expect(fake.requests).toHaveLength(0);

    const again = await client.chat.completions.create({ model: 'demo/anything', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello mock' }] });
    expect(again.choices[0]!.message.content).toBe(data.choices[0]!.message.content);
    expect(again.usage).toEqual(u);
  });

  test('a longer prompt costs more prompt tokens', async () => {
    const short = await client.chat.completions.create({ model: 'demo/x', messages: [{ role: 'user', content: 'hi' }] });
    const long = await client.chat.completions.create({ model: 'demo/x', messages: [{ role: 'user', content: 'hi '.repeat(200) }] });
    expect(long.usage!.prompt_tokens).toBeGreaterThan(short.usage!.prompt_tokens + 100);
  });

  test('stream: SDK chunks reassemble the non-stream reply; usage only when asked and equal to non-stream', async () => {
    const messages = [{ role: 'user' as const, content: 'Tell me a short story about gateways' }];
    const plain = await client.chat.completions.create({ model: 'demo/story', messages });

    const noUsage = await collect(await client.chat.completions.create({ model: 'demo/story', messages, stream: true }));
    expect(noUsage.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(plain.choices[0]!.message.content!);
    expect(noUsage.every((c) => c.choices.length === 1 && c.usage == null)).toBe(true);
    expect(noUsage.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(noUsage.length).toBeGreaterThan(3);

    const withUsage = await collect(await client.chat.completions.create({ model: 'demo/story', messages, stream: true, stream_options: { include_usage: true } }));
    const last = withUsage.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(plain.usage!);
    expect(withUsage.filter((c) => c.usage)).toHaveLength(1);
  });

  test('raw SSE from the mock: framing and [DONE] last', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/echo', stream: true, messages: [{ role: 'user', content: 'ping' }] } });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const data = sseData(text);
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    for (const d of data.slice(0, -1)) expect((JSON.parse(d) as { object: string }).object).toBe('chat.completion.chunk');
  });

  test('tools: a tool call is returned when tools are given, with arguments matching the schema', async () => {
    const res = await client.chat.completions.create({ model: 'demo/agent', messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: [weatherTool] });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toStartWith('call_');
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments) as { city: string; unit: string };
    expect(args.city).toBe('Paris');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  test('tools streamed: deltas reassemble to the same call with one id at index 0', async () => {
    const body = { model: 'demo/agent', messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }], tools: [weatherTool] };
    const plain = await client.chat.completions.create(body);
    const chunks = await collect(await client.chat.completions.create({ ...body, stream: true }));
    const ids = new Set<string>();
    let args = '';
    let name = '';
    for (const c of chunks) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        expect(tc.index).toBe(0);
        if (tc.id) ids.add(tc.id);
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
    }
    const expected = plain.choices[0]!.message.tool_calls![0]!;
    if (expected.type !== 'function') throw new Error('expected a function call');
    expect([...ids]).toEqual([expected.id]);
    expect(name).toBe('get_weather');
    expect(args).toBe(expected.function.arguments);
    expect(chunks.filter((c) => c.choices[0]?.delta.tool_calls).length).toBeGreaterThan(2);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');

    const final = await client.chat.completions.stream(body).finalChatCompletion();
    const fc = final.choices[0]!.message.tool_calls![0]!;
    if (fc.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(fc.function.arguments)).toEqual(JSON.parse(expected.function.arguments));
  });

  test('tool_choice none answers in text', async () => {
    const res = await client.chat.completions.create({ model: 'demo/agent', messages: [{ role: 'user', content: 'Just talk' }], tools: [weatherTool], tool_choice: 'none' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.choices[0]!.message.tool_calls).toBeUndefined();
    expect(res.choices[0]!.message.content).toContain('Just talk');
  });

  test('json_schema: content parses and has the schema required keys with the right types', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer', minimum: 18 },
        email: { type: 'string', format: 'email' },
        roles: { type: 'array', items: { type: 'string', enum: ['admin', 'user'] } },
        active: { type: 'boolean' },
      },
      required: ['name', 'age', 'email', 'roles', 'active'],
      additionalProperties: false,
    };
    const res = await client.chat.completions.create({
      model: 'demo/structured',
      messages: [{ role: 'user', content: 'Make a user' }],
      response_format: { type: 'json_schema', json_schema: { name: 'user', strict: true, schema } },
    });
    const obj = JSON.parse(res.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(obj).sort()).toEqual([...schema.required].sort());
    expect(typeof obj.name).toBe('string');
    expect(Number.isInteger(obj.age)).toBe(true);
    expect(obj.age as number).toBeGreaterThanOrEqual(18);
    expect(obj.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(Array.isArray(obj.roles)).toBe(true);
    for (const r of obj.roles as unknown[]) expect(['admin', 'user']).toContain(r as string);
    expect(typeof obj.active).toBe('boolean');
  });

  test('json_schema through the SDK parse() helper with a hand-written schema', async () => {
    const res = await client.chat.completions.parse({
      model: 'demo/structured',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'weather', strict: true, schema: { type: 'object', properties: { city: { type: 'string' }, temp_c: { type: 'number' } }, required: ['city', 'temp_c'], additionalProperties: false } },
      },
    });
    const parsed = JSON.parse(res.choices[0]!.message.content!) as { city: unknown; temp_c: unknown };
    expect(parsed.city).toBe('Paris');
    expect(typeof parsed.temp_c).toBe('number');
  });

  test('json_object mode returns a JSON object', async () => {
    const res = await client.chat.completions.create({ model: 'demo/x', messages: [{ role: 'user', content: 'json please' }], response_format: { type: 'json_object' } });
    const obj = JSON.parse(res.choices[0]!.message.content!) as unknown;
    expect(typeof obj).toBe('object');
    expect(obj).not.toBeNull();
  });
});
