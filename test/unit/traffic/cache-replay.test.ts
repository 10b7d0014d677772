import { afterAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { Stream } from 'openai/core/streaming';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { encodeSse, sseEvent, DONE_EVENT } from '../../../src/protocols/openai/sse.ts';
import type { ChatCompletion } from '../../../src/protocols/openai/types.ts';
import type { StreamResult, UsageReport } from '../../../src/providers/types.ts';
import { recordStream, replayAsStream, splitWords } from '../../../src/traffic/cache-replay.ts';

const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
const text = 'The quick brown fox jumps over the lazy dog.\n\nIt  was, by all accounts, a remarkable jump — ünïcødé too.';

const textCompletion = (): ChatCompletion => ({
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_1',
  choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage,
});

const args = JSON.stringify({ city: 'Paris', unit: 'celsius', note: 'a long argument string that spans more than one chunk of sixty-four characters' });
const toolCompletion = (): ChatCompletion => ({
  id: 'chatcmpl-tools',
  object: 'chat.completion',
  created: 1_700_000_001,
  model: 'gpt-4o',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: args } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage,
});

const twoChoices = (): ChatCompletion => ({
  ...textCompletion(),
  choices: [
    { index: 0, message: { role: 'assistant', content: 'First answer here.' }, logprobs: null, finish_reason: 'stop' },
    { index: 1, message: { role: 'assistant', content: 'Second answer, a bit longer than the first one.' }, logprobs: null, finish_reason: 'length' },
  ],
});

async function chunksOf(s: StreamResult): Promise<ChatCompletionChunk[]> {
  const res = new Response(s.body, { headers: { 'content-type': 'text/event-stream' } });
  const out: ChatCompletionChunk[] = [];
  for await (const c of Stream.fromSSEResponse<ChatCompletionChunk>(res, new AbortController())) out.push(c);
  return out;
}

async function textOf(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

/** An SSE source made of the given events, delivered one read per event. */
function source(events: string[], opts: { end?: 'close' | 'error'; report?: UsageReport } = {}): StreamResult {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const ev = events[i++];
      if (ev !== undefined) c.enqueue(encodeSse(ev));
      else if (opts.end === 'error') c.error(new Error('upstream reset'));
      else c.close();
    },
  });
  return { kind: 'stream', body, usage: Promise.resolve(opts.report ?? { usage: null, partial: false }) };
}

describe('splitWords', () => {
  test('runs of a few words that concatenate back exactly', () => {
    const parts = splitWords(text);
    expect(parts.join('')).toBe(text);
    expect(parts.length).toBeGreaterThan(3);
    expect(splitWords('  leading space kept')).toEqual(['  leading space kept']);
    expect(splitWords('')).toEqual(['']);
  });
});

describe('replayAsStream', () => {
  test('chunk shape matches a live stream, parsed by the openai SDK', async () => {
    const s = replayAsStream(textCompletion(), true);
    const raw = await textOf(s.body);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    const first = JSON.parse(events[0]!.slice(6));
    expect(first).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      system_fingerprint: 'fp_1',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      usage: null,
    });
    const chunks = await chunksOf(replayAsStream(textCompletion(), true));
    const content = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(content).toBe(text);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(3);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(usage);
    expect(await s.usage).toEqual({ usage, partial: false });
  });

  test('without includeUsage: no usage chunk and no usage keys', async () => {
    const raw = await textOf(replayAsStream(textCompletion(), false).body);
    expect(raw).not.toContain('"usage"');
    expect(raw).not.toContain('"choices":[]');
  });

  test('tool calls: a header delta per call, then the arguments', async () => {
    const chunks = await chunksOf(replayAsStream(toolCompletion(), true));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: null });
    const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(deltas[0]).toEqual({ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(deltas.filter((d) => d.index === 0).length).toBeGreaterThan(2); // arguments span several chunks
    const joined = (i: number) => deltas.filter((d) => d.index === i).map((d) => d.function?.arguments ?? '').join('');
    expect(joined(0)).toBe(args);
    expect(joined(1)).toBe('{"tz":"CET"}');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  test('n > 1: every choice with its own index', async () => {
    const chunks = await chunksOf(replayAsStream(twoChoices(), false));
    const of = (i: number) => chunks.flatMap((c) => c.choices.filter((ch) => ch.index === i));
    expect(of(0).map((c) => c.delta.content ?? '').join('')).toBe('First answer here.');
    expect(of(1).map((c) => c.delta.content ?? '').join('')).toBe('Second answer, a bit longer than the first one.');
    expect(of(1).at(-1)?.finish_reason).toBe('length');
  });
});

describe('replay through a real OpenAI client', () => {
  let served: ChatCompletion = textCompletion();
  const server = Bun.serve({
    port: 0,
    fetch: async (req) => {
      const body = (await req.json()) as { stream_options?: { include_usage?: boolean } };
      return new Response(replayAsStream(served, body.stream_options?.include_usage === true).body, {
        headers: { 'content-type': 'text/event-stream' },
      });
    },
  });
  afterAll(() => server.stop(true));
  const client = new OpenAI({ apiKey: 'x', baseURL: `http://localhost:${server.port}/v1` });

  for (const [name, make] of [
    ['text', textCompletion],
    ['tool calls', toolCompletion],
    ['two choices', twoChoices],
  ] as const) {
    test(`accumulates back to the cached completion: ${name}`, async () => {
      served = make();
      const stream = client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
      const final = await stream.finalChatCompletion();
      expect(final.id).toBe(served.id);
      expect(final.usage).toEqual(usage);
      for (const want of served.choices) {
        const got = final.choices.find((c) => c.index === want.index)!;
        expect(got.finish_reason).toBe(want.finish_reason as 'stop');
        expect(got.message.content ?? null).toEqual(want.message.content);
        expect(got.message.tool_calls ?? []).toEqual((want.message.tool_calls ?? []) as never[]);
      }
    });
  }
});

describe('recordStream', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0) =>
    sseEvent({ id: 'chatcmpl-live', object: 'chat.completion.chunk', created: 42, model: 'gpt-4o', choices: [{ index, delta, logprobs: null, finish_reason: finish }] });
  const usageChunk = sseEvent({ id: 'chatcmpl-live', object: 'chat.completion.chunk', created: 42, model: 'gpt-4o', choices: [], usage });
  const live = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Hello' }),
    chunk({ content: ', world' }),
    chunk({ tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }),
    chunk({}, 'tool_calls'),
    usageChunk,
    DONE_EVENT,
  ];

  async function record(events: string[], opts: { end?: 'close' | 'error'; report?: UsageReport } = {}) {
    const got: ChatCompletion[] = [];
    const s = recordStream(source(events, opts), (c) => got.push(c));
    let text = '';
    let failed = false;
    try {
      text = await textOf(s.body);
    } catch {
      failed = true;
    }
    await Bun.sleep(0); // the usage fallback settles after the stream closes
    return { got, text, failed };
  }

  test('passes bytes through unchanged and rebuilds the completion', async () => {
    const { got, text } = await record(live);
    expect(text).toBe(live.join(''));
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual({
      id: 'chatcmpl-live',
      object: 'chat.completion',
      created: 42,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello, world', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage,
    });
  });

  test('forwards each chunk as it arrives, before the stream ends', async () => {
    const s = recordStream(source(live), () => {});
    const reader = s.body.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(live[0]!);
    await reader.cancel();
  });

  test('recording a replay gives back the recorded completion', async () => {
    const { got } = await record(live);
    const again: ChatCompletion[] = [];
    await textOf(recordStream(replayAsStream(got[0]!, true), (c) => again.push(c)).body);
    expect(again[0]).toEqual(got[0]!);
  });

  test('not called for a stream without [DONE]', async () => {
    expect((await record(live.slice(0, -1))).got).toHaveLength(0);
  });

  test('not called without a finish_reason', async () => {
    expect((await record([...live.slice(0, 6), DONE_EVENT])).got).toHaveLength(0);
  });

  test('not called after an error event, even if [DONE] follows', async () => {
    const err = sseEvent({ error: { message: 'overloaded', type: 'server_error' } });
    const { got, text } = await record([...live.slice(0, 3), err, DONE_EVENT]);
    expect(got).toHaveLength(0);
    expect(text).toContain('overloaded'); // still forwarded to the client
  });

  test('not called when the upstream read fails', async () => {
    const { got, failed } = await record(live.slice(0, 5), { end: 'error' });
    expect(got).toHaveLength(0);
    expect(failed).toBe(true);
  });

  test('not called when the client cancels, and the source is cancelled', async () => {
    let cancelled = false;
    let i = 0;
    const src: StreamResult = {
      ...source([]),
      body: new ReadableStream<Uint8Array>({
        pull: (c) => {
          const ev = live[i++];
          if (ev === undefined) c.close();
          else c.enqueue(encodeSse(ev));
        },
        cancel: () => {
          cancelled = true;
        },
      }),
    };
    const got: ChatCompletion[] = [];
    const s = recordStream(src, (c) => got.push(c));
    const reader = s.body.getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(true);
    expect(got).toHaveLength(0);
  });

  test('n > 1: every choice must finish', async () => {
    const both = [chunk({ content: 'a' }, null, 0), chunk({ content: 'b' }, null, 1), chunk({}, 'stop', 0), chunk({}, 'stop', 1), DONE_EVENT];
    const { got } = await record(both);
    expect(got[0]?.choices.map((c) => c.message.content)).toEqual(['a', 'b']);
    expect((await record([both[0]!, both[1]!, both[2]!, DONE_EVENT])).got).toHaveLength(0);
  });

  test('maxBytes: an answer too big is passed through but not recorded', async () => {
    const got: ChatCompletion[] = [];
    const text = await textOf(recordStream(source(live), (c) => got.push(c), { maxBytes: 100 }).body);
    expect(text).toBe(live.join(''));
    expect(got).toHaveLength(0);
  });

  test('usage comes from the relay report when the usage chunk was stripped for the client', async () => {
    const withoutUsageChunk = live.filter((e) => e !== usageChunk);
    const { got } = await record(withoutUsageChunk, { report: { usage, partial: false } });
    expect(got[0]?.usage).toEqual(usage);
    const partial = await record(withoutUsageChunk, { report: { usage, partial: true } });
    expect(partial.got[0]?.usage).toBeNull();
  });

  test('a tool call without a name or id is not cached', async () => {
    const nameless = [chunk({ tool_calls: [{ index: 0, id: 'c', function: { arguments: '{}' } }] }), chunk({}, 'tool_calls'), DONE_EVENT];
    expect((await record(nameless)).got).toHaveLength(0);
    const idless = [chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }), chunk({}, 'tool_calls'), DONE_EVENT];
    expect((await record(idless)).got).toHaveLength(0);
  });

  test('the legacy function_call delta is not cached', async () => {
    const legacy = [chunk({ function_call: { name: 'f', arguments: '{}' } }), chunk({}, 'function_call'), DONE_EVENT];
    expect((await record(legacy)).got).toHaveLength(0);
  });

  test('events and UTF-8 characters split across reads are rebuilt; bytes pass through identical', async () => {
    const events = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'héllo 世界 🎉' }), chunk({}, 'stop'), usageChunk, DONE_EVENT];
    const bytes = encodeSse(events.join(''));
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, (at += 7)));
      },
    });
    const got: ChatCompletion[] = [];
    const out = recordStream({ ...source([]), body }, (c) => got.push(c));
    const received = new Uint8Array(await new Response(out.body).arrayBuffer());
    expect(Buffer.from(received).equals(Buffer.from(bytes))).toBe(true);
    expect(got[0]?.choices[0]?.message.content).toBe('héllo 世界 🎉');
  });
});
