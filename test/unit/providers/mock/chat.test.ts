import { describe, expect, test } from 'bun:test';
import type { ChatCompletion, ChatRequest } from '../../../../src/protocols/openai/types.ts';
import { createMockAdapter, type MockConfig } from '../../../../src/providers/mock/index.ts';
import type { JsonResult, StreamResult, UpstreamCall } from '../../../../src/providers/types.ts';

const config = (chunk_delay = 0): MockConfig => ({ type: 'mock', chunk_delay });
const call = (over: Partial<UpstreamCall> = {}): UpstreamCall => ({
  model: 'echo',
  signal: new AbortController().signal,
  includeUsage: false,
  traceId: 'trace-1',
  ...over,
});
const adapter = createMockAdapter('demo', config());

async function complete(req: Partial<ChatRequest>): Promise<ChatCompletion> {
  const result = await adapter.chat({ model: 'demo/echo', messages: [{ role: 'user', content: 'Hello there' }], ...req }, call());
  expect(result.kind).toBe('json');
  const body = (result as JsonResult<ChatCompletion>).body;
  if (typeof body === 'string') throw new Error('mock returned text');
  return body;
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1 } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const searchTool = {
  type: 'function' as const,
  function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
};

describe('mock chat, non-streaming', () => {
  test('echoes the last user message with OpenAI shape and consistent usage', async () => {
    const res = await complete({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is in' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      ],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-mock-[0-9A-Za-z]+$/);
    expect(res.model).toBe('echo');
    expect(res.system_fingerprint).toBe('fp_dvara_mock');
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]?.message.content).toBe('Mock reply from Dvara to: "What is in [image]"');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    const u = res.usage!;
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    expect(u.completion_tokens).toBe(Math.ceil('Mock reply from Dvara to: "What is in [image]"'.length / 4));
    expect(u.prompt_tokens).toBeGreaterThan(85); // the image is billed
    expect(u.prompt_tokens_details).toEqual({ cached_tokens: 0 });
    expect(u.completion_tokens_details).toEqual({ reasoning_tokens: 0 });
  });

  test('is deterministic apart from created', async () => {
    const a = await complete({});
    const b = await complete({});
    expect({ ...a, created: 0 }).toEqual({ ...b, created: 0 });
  });

  test('long user text is clipped to 200 characters', async () => {
    const res = await complete({ messages: [{ role: 'user', content: 'x'.repeat(500) }] });
    expect(res.choices[0]?.message.content).toBe(`Mock reply from Dvara to: "${'x'.repeat(200)}…"`);
  });

  test('max_tokens truncates with finish_reason length; n gives n choices', async () => {
    const res = await complete({ max_tokens: 3, n: 3 });
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    for (const c of res.choices) {
      expect(c.message.content).toBe('Mock reply f');
      expect(c.finish_reason).toBe('length');
    }
    expect(res.usage?.completion_tokens).toBe(9);
    const mct = await complete({ max_completion_tokens: 2 });
    expect(mct.choices[0]?.message.content).toBe('Mock rep');
  });

  test('stop cuts at the earliest stop sequence', async () => {
    const res = await complete({ stop: ['Dvara', 'reply'] });
    expect(res.choices[0]?.message.content).toBe('Mock ');
    expect(res.choices[0]?.finish_reason).toBe('stop');
  });

  test('tools: a call to the first tool with arguments matching its schema', async () => {
    const res = await complete({ messages: [{ role: 'user', content: "What's the weather in Paris today?" }], tools: [weatherTool, searchTool] });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls).toHaveLength(1);
    expect(calls[0]?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(calls[0]?.type).toBe('function');
    expect(calls[0]?.function.name).toBe('get_weather');
    const args = JSON.parse(calls[0]!.function.arguments);
    expect(args).toEqual({ city: 'Paris', unit: 'celsius', days: 1 });
    expect(res.usage?.completion_tokens).toBe(Math.ceil(('get_weather' + calls[0]!.function.arguments).length / 4));
  });

  test('tools: tool_choice names the tool; none gives text; a tool result gets a text answer', async () => {
    const named = await complete({
      messages: [{ role: 'user', content: 'look up bun release notes' }],
      tools: [weatherTool, searchTool],
      tool_choice: { type: 'function', function: { name: 'search' } },
    });
    const call0 = named.choices[0]?.message.tool_calls?.[0];
    expect(call0?.function.name).toBe('search');
    expect(JSON.parse(call0!.function.arguments)).toEqual({ query: 'look up bun release notes' });

    const none = await complete({ tools: [weatherTool], tool_choice: 'none' });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
    expect(none.choices[0]?.finish_reason).toBe('stop');

    const after = await complete({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":3}' },
      ],
    });
    expect(after.choices[0]?.message.content).toBe('Mock reply from Dvara after the tool returned: "{"temp":3}"');
  });

  test('response_format json_schema yields JSON valid for the schema; json_object yields an object', async () => {
    const res = await complete({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: {
            type: 'object',
            properties: { answer: { type: 'string' }, score: { type: 'number', minimum: 0, maximum: 1 }, tags: { type: 'array', items: { type: 'string' } } },
            required: ['answer', 'score', 'tags'],
            additionalProperties: false,
          },
        },
      },
    });
    const parsed = JSON.parse(res.choices[0]!.message.content!);
    expect(Object.keys(parsed).sort()).toEqual(['answer', 'score', 'tags']);
    expect(parsed.score).toBeGreaterThanOrEqual(0);
    expect(parsed.score).toBeLessThanOrEqual(1);
    const obj = await complete({ response_format: { type: 'json_object' } });
    expect(JSON.parse(obj.choices[0]!.message.content!)).toEqual({ reply: 'Mock reply from Dvara to: "Hello there"' });
  });

  test('the default catalogue, or the configured models', () => {
    expect(adapter.models).toEqual(['echo', 'chat', 'embed', 'gpt-4o-mini-mock']);
    expect(createMockAdapter('m', { ...config(), models: ['a'] }).models).toEqual(['a']);
    expect(adapter.type).toBe('mock');
    expect(adapter.name).toBe('demo');
  });
});

/** Splits an OpenAI SSE transcript into data payloads, checking the framing on the way. */
function sseData(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      expect(event).toStartWith('data: ');
      expect(event).not.toContain('\n');
      return event.slice('data: '.length);
    });
}

async function stream(req: Partial<ChatRequest>, over: Partial<UpstreamCall> = {}, delay = 0): Promise<StreamResult> {
  const result = await createMockAdapter('demo', config(delay)).chat(
    { model: 'demo/echo', messages: [{ role: 'user', content: 'Hello there, how are you?' }], stream: true, ...req },
    call(over),
  );
  expect(result.kind).toBe('stream');
  return result as StreamResult;
}

interface Chunk {
  id: string;
  object: string;
  choices: Array<{ index: number; delta: Record<string, unknown> & { tool_calls?: Array<Record<string, unknown>> }; finish_reason: string | null }>;
  usage?: Record<string, number> | null;
}

describe('mock chat, streaming', () => {
  test('transcript: role chunk, word chunks that rebuild the reply, finish chunk, [DONE]; no usage without include_usage', async () => {
    const expected = (await complete({ messages: [{ role: 'user', content: 'Hello there, how are you?' }] })).choices[0]!.message.content;
    const res = await stream({});
    const data = sseData(await new Response(res.body).text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && !('usage' in c))).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const middle = chunks.slice(1, -1);
    expect(middle.length).toBeGreaterThan(3);
    expect(middle.map((c) => c.choices[0]?.delta.content).join('')).toBe(expected!);
    expect(middle[0]?.choices[0]?.delta.content).toBe('Mock ');
    expect(chunks.at(-1)?.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' } as never);
    const report = await res.usage;
    expect(report.partial).toBe(false);
    expect(report.usage?.completion_tokens).toBe(Math.ceil(expected!.length / 4));
  });

  test('include_usage: usage null on every chunk and a final choices: [] chunk', async () => {
    const res = await stream({ n: 2 }, { includeUsage: true });
    const data = sseData(await new Response(res.body).text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBe(last.usage!.prompt_tokens! + last.usage!.completion_tokens!);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop').map((c) => c.choices[0]?.index)).toEqual([0, 1]);
    expect((await res.usage).usage).toEqual(last.usage as never);
  });

  test('tool-call deltas: opening delta with id and name, then argument fragments that parse', async () => {
    const res = await stream({ tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Lisbon please' }] });
    const chunks = sseData(await new Response(res.body).text()).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    const first = chunks[0]!.choices[0]!.delta;
    expect(first.role).toBe('assistant');
    expect(first.content).toBeNull();
    expect(first.tool_calls?.[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(String(first.tool_calls?.[0]?.id)).toMatch(/^call_/);
    const fragments = chunks.slice(1, -1).map((c) => c.choices[0]!.delta.tool_calls![0]!);
    expect(fragments.length).toBeGreaterThan(2);
    for (const f of fragments) expect(Object.keys(f).sort()).toEqual(['function', 'index']);
    const args = JSON.parse(fragments.map((f) => (f.function as { arguments: string }).arguments).join(''));
    expect(args.city).toBe('Lisbon');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  test('abort mid-stream errors the body and settles usage as partial', async () => {
    const ac = new AbortController();
    const res = await stream({ messages: [{ role: 'user', content: 'word '.repeat(60) }] }, { signal: ac.signal }, 5);
    const reader = res.body.getReader();
    await reader.read();
    await reader.read();
    await reader.read();
    ac.abort();
    await expect(reader.read()).rejects.toBeDefined();
    const report = await res.usage;
    expect(report.partial).toBe(true);
    expect(report.usage!.completion_tokens).toBeGreaterThan(0);
    expect(report.usage!.completion_tokens).toBeLessThan(60);
    expect(report.usage!.total_tokens).toBe(report.usage!.prompt_tokens + report.usage!.completion_tokens);
  });

  test('consumer cancel stops the stream and settles usage as partial', async () => {
    const res = await stream({}, {}, 20);
    const reader = res.body.getReader();
    await reader.read();
    await reader.cancel();
    const report = await res.usage;
    expect(report).toEqual({ partial: true, usage: expect.objectContaining({ completion_tokens: 0 }) });
  });

  test('chunk_delay paces the chunks', async () => {
    const started = performance.now();
    const res = await stream({ messages: [{ role: 'user', content: 'hi' }] }, {}, 10);
    const chunks = sseData(await new Response(res.body).text());
    expect(performance.now() - started).toBeGreaterThanOrEqual((chunks.length - 1) * 10 - 5);
  });
});
