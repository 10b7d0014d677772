// Tool calls and structured output through the gateway with the official openai SDK, against the fake
// OpenAI upstream: non-stream and streamed tool calls, the SDK's stream helper, json_schema passthrough
// and `chat.completions.parse` with zodResponseFormat (zod v4).
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionChunk, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
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
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city', 'days'],
      additionalProperties: false,
    },
  },
};
const timeTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
};
const ask = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

/** Reassembles streamed tool-call deltas by index, checking that the id never changes. */
function assembleToolCalls(chunks: ChatCompletionChunk[]) {
  const calls = new Map<number, { id: string; name: string; args: string; ids: Set<string> }>();
  for (const c of chunks) {
    for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
      const cur = calls.get(tc.index) ?? { id: '', name: '', args: '', ids: new Set<string>() };
      if (tc.id) {
        cur.ids.add(tc.id);
        cur.id = tc.id;
      }
      if (tc.function?.name) cur.name += tc.function.name;
      cur.args += tc.function?.arguments ?? '';
      calls.set(tc.index, cur);
    }
  }
  return calls;
}

describe('tool calls', () => {
  test('non-stream: finish_reason tool_calls, arguments a valid JSON string; tools forwarded unchanged', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: ask, tools: [weatherTool, timeTool], tool_choice: 'auto', parallel_tool_calls: false });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toStartWith('call_');
    expect(call.function.name).toBe('get_weather');
    expect(typeof call.function.arguments).toBe('string');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 1 });

    const body = fake.last()!.body;
    expect(body.tools).toEqual([weatherTool, timeTool]);
    expect(body.tool_choice).toBe('auto');
    expect(body.parallel_tool_calls).toBe(false);
  });

  test('named tool_choice picks that tool', async () => {
    const res = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: ask,
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    const call = res.choices[0]!.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_time');
    expect(JSON.parse(call.function.arguments)).toEqual({ zone: 'Paris' });
    expect(fake.last()!.body.tool_choice).toEqual({ type: 'function', function: { name: 'get_time' } });
  });

  test('a tool result round trip is forwarded as sent', async () => {
    const messages = [
      ...ask,
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris","days":1}' } }] },
      { role: 'tool' as const, tool_call_id: 'call_1', content: '{"temp":21}' },
    ];
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weatherTool], tool_choice: 'none' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.choices[0]!.message.content).toBe('Tool results: {"temp":21}');
    expect(fake.last()!.body.messages).toEqual(messages);
  });

  test('stream: argument deltas reassemble to valid JSON with a stable id and index', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: ask, tools: [weatherTool] });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const deltas = chunks.filter((c) => c.choices[0]?.delta.tool_calls?.length);
    expect(deltas.length).toBeGreaterThan(2);
    const calls = assembleToolCalls(chunks);
    expect([...calls.keys()]).toEqual([0]);
    const call = calls.get(0)!;
    expect(call.ids.size).toBe(1);
    expect(call.id).toStartWith('call_');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.args)).toEqual({ city: 'Paris', days: 1 });
    // Only the first delta names the call; later ones are argument fragments.
    expect(deltas[0]!.choices[0]!.delta.tool_calls![0]!.id).toBe(call.id);
    expect(deltas.slice(1).every((c) => c.choices[0]!.delta.tool_calls![0]!.id === undefined)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('raw SSE tool stream ends with [DONE] and no usage chunk', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', stream: true, messages: ask, tools: [weatherTool] } });
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage == null)).toBe(true);
    expect(JSON.parse(assembleToolCalls(chunks).get(0)!.args)).toEqual({ city: 'Paris', days: 1 });
  });

  test('SDK chat.completions.stream helper: events and finalChatCompletion', async () => {
    const argDeltas: string[] = [];
    let doneArgs: unknown;
    const runner = client.chat.completions
      .stream({ model: 'gpt-4o', messages: ask, tools: [weatherTool] })
      .on('tool_calls.function.arguments.delta', (e) => argDeltas.push(e.arguments_delta))
      .on('tool_calls.function.arguments.done', (e) => (doneArgs = e.parsed_arguments ?? JSON.parse(e.arguments)));
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 1 });
    expect(argDeltas.length).toBeGreaterThan(1);
    expect(argDeltas.join('')).toBe(call.function.arguments);
    expect(doneArgs).toEqual({ city: 'Paris', days: 1 });
    expect(fake.last()!.body.stream).toBe(true);
  });

  test('SDK stream helper with text: content events and final message', async () => {
    const deltas: string[] = [];
    const runner = client.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream me please' }], stream_options: { include_usage: true } })
      .on('content.delta', (e) => deltas.push(e.delta));
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Fake reply to: stream me please');
    expect(deltas.join('')).toBe('Fake reply to: stream me please');
    expect(final.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 7, total_tokens: 14 });
  });
});

const Weather = z.object({ city: z.string(), temperature: z.number(), conditions: z.enum(['sunny', 'rainy']), tags: z.array(z.string()) });

describe('structured output', () => {
  test('response_format json_schema reaches the upstream unchanged', async () => {
    const response_format = {
      type: 'json_schema' as const,
      json_schema: {
        name: 'weather_report',
        strict: true,
        schema: {
          type: 'object',
          properties: { city: { type: 'string' }, temperature: { type: 'number' } },
          required: ['city', 'temperature'],
          additionalProperties: false,
        },
      },
    };
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: ask, response_format });
    expect(fake.last()!.body.response_format).toEqual(response_format);
    const content = JSON.parse(res.choices[0]!.message.content!);
    expect(content).toEqual({ city: 'Paris', temperature: 1 });
  });

  test('chat.completions.parse with zodResponseFormat returns a parsed object', async () => {
    const rf = zodResponseFormat(Weather, 'weather');
    const res = await client.chat.completions.parse({ model: 'gpt-4o', messages: ask, response_format: rf });
    const msg = res.choices[0]!.message;
    expect(msg.parsed).toEqual({ city: 'Paris', temperature: 1, conditions: 'sunny', tags: ['Paris'] });
    expect(Weather.parse(JSON.parse(msg.content!))).toEqual(msg.parsed!);
    const sent = fake.last()!.body.response_format;
    expect(sent.type).toBe('json_schema');
    expect(sent.json_schema.name).toBe('weather');
    expect(sent.json_schema.strict).toBe(true);
    expect(sent.json_schema.schema).toEqual(JSON.parse(JSON.stringify(rf.json_schema.schema)));
    expect(sent.json_schema.schema.required).toEqual(['city', 'temperature', 'conditions', 'tags']);
  });

  test('streaming parse via the stream helper yields the same parsed object', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-4o', messages: ask, response_format: zodResponseFormat(Weather, 'weather') });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.parsed).toEqual({ city: 'Paris', temperature: 1, conditions: 'sunny', tags: ['Paris'] });
  });

  test('json_object mode is forwarded and the reply is JSON', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'answer in JSON' }], response_format: { type: 'json_object' } });
    expect(fake.last()!.body.response_format).toEqual({ type: 'json_object' });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ reply: 'Fake reply to: answer in JSON' });
  });
});
