// ConverseStream events → OpenAI chat.completion.chunk SSE (providers.md 4.3), through the pure translator:
// the event sequences of the fixtures, byte for byte, and the flags the relay decides on.
import { describe, expect, test } from 'bun:test';
import { newTranslateState, translateEvent, type TranslateState } from '../../../../src/providers/bedrock/stream-translate.ts';
import type { ReplyShape } from '../../../../src/providers/bedrock/wire.ts';

type Ev = [string, Record<string, unknown>];
const plain: ReplyShape = { jsonTool: null, reasoning: false };
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const start: Ev = ['messageStart', { role: 'assistant' }];
const text = (i: number, t: string): Ev => ['contentBlockDelta', { contentBlockIndex: i, delta: { text: t } }];
const toolStart = (i: number, toolUseId: string, name: string): Ev => ['contentBlockStart', { contentBlockIndex: i, start: { toolUse: { toolUseId, name } } }];
const input = (i: number, s: string): Ev => ['contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: s } } }];
const stop = (i: number): Ev => ['contentBlockStop', { contentBlockIndex: i }];
const msgStop = (stopReason: string): Ev => ['messageStop', { stopReason }];
const metadata = (usage: object = { inputTokens: 22, outputTokens: 55, totalTokens: 77 }): Ev => ['metadata', { usage, metrics: { latencyMs: 2040 } }];

/** The text-only sequence of amazon-bedrock-text.chunks.txt (text blocks have no contentBlockStart). */
const TEXT: Ev[] = [start, text(0, 'Let'), text(0, ' me count.'), stop(0), msgStop('end_turn'), metadata()];
/** The tool-call sequence of providers.md 4.3: a text block, then a tool block at contentBlockIndex 1. */
const TEXT_THEN_TOOL: Ev[] = [
  start, text(0, 'Checking.'), stop(0),
  toolStart(1, 'tooluse_x', 'get_weather'), input(1, '{"city":'), input(1, '"Paris"}'), stop(1),
  msgStop('tool_use'), metadata(),
];

function run(events: Ev[], opts: { includeUsage?: boolean; shape?: ReplyShape } = {}): TranslateState {
  const s = newTranslateState({ shape: opts.shape ?? plain, includeUsage: opts.includeUsage ?? false, model: MODEL, id: 'chatcmpl-t1' });
  for (const [type, data] of events) translateEvent(s, type, data);
  return s;
}
const textOf = (s: TranslateState) => s.out.join('');
const createdOf = (s: TranslateState) => Number(/"created":(\d+)/.exec(s.prefix)![1]);
const deltas = (s: TranslateState) =>
  s.out.filter((e) => e !== 'data: [DONE]\n\n').map((e) => JSON.parse(e.slice(6))).filter((c) => c.choices.length).map((c) => c.choices[0].delta);

/** The exact chunk framing: `usage:null` on every chunk only with include_usage. */
function framer(s: TranslateState, includeUsage: boolean) {
  const head = `data: {"id":"chatcmpl-t1","object":"chat.completion.chunk","created":${createdOf(s)},"model":"${MODEL}","choices":[{"index":0,"delta":`;
  return (delta: string, finish = 'null') => `${head}${delta},"logprobs":null,"finish_reason":${finish}}]${includeUsage ? ',"usage":null' : ''}}\n\n`;
}

describe('text', () => {
  test('text-only, include_usage: role chunk, content deltas, finish chunk, usage chunk, [DONE] — byte for byte', () => {
    const s = run(TEXT, { includeUsage: true });
    const chunk = framer(s, true);
    expect(Math.abs(createdOf(s) - Date.now() / 1000)).toBeLessThan(5);
    expect(textOf(s)).toBe(
      [
        chunk('{"role":"assistant","content":""}'),
        chunk('{"content":"Let"}'),
        chunk('{"content":" me count."}'),
        chunk('{}', '"stop"'),
        `data: {"id":"chatcmpl-t1","object":"chat.completion.chunk","created":${createdOf(s)},"model":"${MODEL}","choices":[],` +
          '"usage":{"prompt_tokens":22,"completion_tokens":55,"total_tokens":77,"prompt_tokens_details":{"cached_tokens":0}}}\n\n',
        'data: [DONE]\n\n',
      ].join(''),
    );
    expect(s.usage).toEqual({ prompt_tokens: 22, completion_tokens: 55, total_tokens: 77, prompt_tokens_details: { cached_tokens: 0 } });
  });

  test('without include_usage: no usage:null fields and no usage chunk (usage is still kept for accounting)', () => {
    const s = run(TEXT);
    const chunk = framer(s, false);
    expect(textOf(s)).toBe([chunk('{"role":"assistant","content":""}'), chunk('{"content":"Let"}'), chunk('{"content":" me count."}'), chunk('{}', '"stop"'), 'data: [DONE]\n\n'].join(''));
    expect(s.usage?.total_tokens).toBe(77);
  });

  test('empty text deltas send nothing', () => {
    expect(deltas(run([start, text(0, ''), text(0, 'Hi'), msgStop('end_turn'), metadata()]))).toEqual([{ role: 'assistant', content: '' }, { content: 'Hi' }, {}]);
  });

  test('the real stream\'s `p` padding fields change nothing', () => {
    const padded = TEXT_THEN_TOOL.map(([t, d]): Ev => [t, { ...d, p: 'abcdefghijklmnopqrstuvwxyzABCDEF' }]);
    expect(textOf(run(padded, { includeUsage: true }))).toBe(textOf(run(TEXT_THEN_TOOL, { includeUsage: true })));
  });
});

describe('flags', () => {
  test('seen at the first event; committed only at the first content; finished at messageStop; done at metadata', () => {
    const s = run([]);
    const step = (ev: Ev) => {
      translateEvent(s, ev[0], ev[1]);
      return { seen: s.seen, committed: s.committed, finished: s.finished, done: s.done };
    };
    expect(step(start)).toEqual({ seen: true, committed: false, finished: false, done: false });
    expect(step(text(0, 'Hi'))).toEqual({ seen: true, committed: true, finished: false, done: false });
    expect(step(msgStop('max_tokens'))).toEqual({ seen: true, committed: true, finished: true, done: false });
    expect(step(metadata())).toEqual({ seen: true, committed: true, finished: true, done: true });
    const before = s.out.length;
    translateEvent(s, 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'late' } });
    expect(s.out.length).toBe(before);
    expect(deltas(s).at(-1)).toEqual({});
    expect(s.out.at(-2)).toContain('"finish_reason":"length"');
  });

  test('unknown event types are ignored (but count as the upstream answering)', () => {
    const s = run([['someFutureEvent', { x: 1 }]]);
    expect({ out: s.out, seen: s.seen, committed: s.committed }).toEqual({ out: [], seen: true, committed: false });
    expect(textOf(run([start, ['someFutureEvent', {}], ...TEXT.slice(1)]))).toBe(textOf(run(TEXT)));
  });

  test('metadata without messageStop still finishes (stop), then usage and [DONE]', () => {
    const s = run([start, text(0, 'Hi'), metadata()], { includeUsage: true });
    expect(s.out.at(-3)).toContain('"delta":{},"logprobs":null,"finish_reason":"stop"');
    expect(s.out.at(-2)).toContain('"choices":[],"usage":{"prompt_tokens":22');
    expect(s.out.at(-1)).toBe('data: [DONE]\n\n');
    expect(s.done).toBe(true);
  });

  test('metadata without usage: no usage chunk even with include_usage', () => {
    const s = run([start, text(0, 'Hi'), msgStop('end_turn'), ['metadata', { metrics: { latencyMs: 1 } }]], { includeUsage: true });
    expect(s.usage).toBeNull();
    expect(s.out.some((e) => e.includes('"choices":[]'))).toBe(false);
    expect(s.out.at(-1)).toBe('data: [DONE]\n\n');
  });

  test('after an error is recorded, events are ignored', () => {
    const s = run([start]);
    s.error = new Error('x') as never;
    translateEvent(s, ...text(0, 'Hi'));
    expect(s.out).toHaveLength(1);
    expect(s.committed).toBe(false);
  });
});

describe('tools', () => {
  test('text then tool: tool index 0 though contentBlockIndex 1; id and name in the first delta; argument fragments', () => {
    const s = run(TEXT_THEN_TOOL);
    const chunk = framer(s, false);
    expect(textOf(s)).toBe(
      [
        chunk('{"role":"assistant","content":""}'),
        chunk('{"content":"Checking."}'),
        chunk('{"tool_calls":[{"index":0,"id":"tooluse_x","type":"function","function":{"name":"get_weather","arguments":""}}]}'),
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]}'),
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}'),
        chunk('{}', '"tool_calls"'),
        'data: [DONE]\n\n',
      ].join(''),
    );
  });

  test('a tool with no input deltas gets "{}"; a second tool gets index 1; a tool call alone commits', () => {
    const s = run([start, toolStart(0, 't1', 'now')]);
    expect(s.committed).toBe(true);
    for (const ev of [stop(0), toolStart(1, 't2', 'get_weather'), input(1, '{"city":"Rome"}'), stop(1), msgStop('tool_use'), metadata()] as Ev[]) translateEvent(s, ...ev);
    expect(deltas(s)).toEqual([
      { role: 'assistant', content: '' },
      { tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'now', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 1, id: 't2', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] },
      {},
    ]);
  });

  test('the forced json tool streams as content, finish stop; with no input it streams "{}"', () => {
    const shape: ReplyShape = { jsonTool: 'json', reasoning: false };
    const s = run([start, toolStart(0, 't', 'json'), input(0, '{"answer":'), input(0, '"Paris"}'), stop(0), msgStop('tool_use'), metadata()], { shape });
    const chunk = framer(s, false);
    expect(textOf(s)).toBe(
      [chunk('{"role":"assistant","content":""}'), chunk('{"content":"{\\"answer\\":"}'), chunk('{"content":"\\"Paris\\"}"}'), chunk('{}', '"stop"'), 'data: [DONE]\n\n'].join(''),
    );
    const empty = run([start, toolStart(0, 't', 'json'), stop(0), msgStop('tool_use'), metadata()], { shape });
    expect(deltas(empty)).toEqual([{ role: 'assistant', content: '' }, { content: '{}' }, {}]);
  });

  test('input deltas for a block that never started are ignored', () => {
    expect(deltas(run([start, input(3, '{"a":1}'), stop(3), msgStop('end_turn'), metadata()]))).toEqual([{ role: 'assistant', content: '' }, {}]);
  });
});

describe('reasoning', () => {
  const THINK: Ev[] = [start, ['contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Hmm.' } } }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } } }], stop(0), text(1, '3'), msgStop('end_turn'), metadata()];

  test('reasoning deltas → reasoning_content only when the client asked for reasoning; signatures never', () => {
    expect(deltas(run(THINK, { shape: { jsonTool: null, reasoning: true } }))).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Hmm.' }, { content: '3' }, {}]);
    expect(deltas(run(THINK))).toEqual([{ role: 'assistant', content: '' }, { content: '3' }, {}]);
  });
});
