// Gemini streamGenerateContent?alt=sse → OpenAI chat.completion.chunk SSE (providers.md 3.3): the pure state machine
// fed by eventsource-parser, byte for byte.
import { describe, expect, test } from 'bun:test';
import { createParser } from 'eventsource-parser';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { newTranslateState, translateEvent, type TranslateState } from '../../../../src/providers/gemini/stream-translate.ts';
import { signatureOf } from '../../../../src/providers/gemini/tool-ids.ts';
import type { ReplyShape } from '../../../../src/providers/gemini/wire.ts';

/** The two-event transcript of providers.md 3.3, exactly as on the wire (CRLF framing, Google's spacing). */
const FOUR =
  'data: {"candidates": [{"content": {"parts": [{"text": "Four."}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 51,"candidatesTokenCount": 2,"totalTokenCount": 53},"modelVersion": "gemini-2.5-flash","responseId": "ag4pavQTzLrj4Q-XkKnZBA"}\r\n' +
  '\r\n' +
  'data: {"candidates": [{"content": {"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 51,"candidatesTokenCount": 2,"totalTokenCount": 53},"modelVersion": "gemini-2.5-flash","responseId": "ag4pavQTzLrj4Q-XkKnZBA"}\r\n' +
  '\r\n';

interface Opts { includeUsage?: boolean; shape?: ReplyShape; expected?: number; pieces?: number }

function run(transcript: string, opts: Opts = {}): TranslateState {
  const s = newTranslateState({
    shape: opts.shape ?? { reasoning: false },
    includeUsage: opts.includeUsage ?? false,
    provider: 'g',
    model: 'gemini-2.5-flash',
    expected: opts.expected ?? 1,
    fallbackId: 'chatcmpl-trace1',
    redact: (t) => t.replaceAll('AIzaSECRET', '[redacted]'),
  });
  const parser = createParser({ onEvent: (ev) => translateEvent(s, ev) });
  const size = opts.pieces ?? transcript.length;
  for (let i = 0; i < transcript.length; i += size) parser.feed(transcript.slice(i, i + size));
  return s;
}

/** Events as Google frames them. */
const sse = (...events: object[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');
const ev = (candidates: object[], extra: object = {}) => ({ candidates, modelVersion: 'gemini-2.5-flash', responseId: 'R1', ...extra });
const cand = (parts: object[] | undefined, finishReason?: string, index = 0) => ({ content: parts ? { parts, role: 'model' } : { role: 'model' }, ...(finishReason ? { finishReason } : {}), index });
const USAGE = { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, totalTokenCount: 14 } };

const chunks = (s: TranslateState) => s.out.map((o) => JSON.parse(o.replace(/^data: /, '')));
const deltas = (s: TranslateState) => chunks(s).flatMap((c) => c.choices.map((x: any) => [x.index, x.delta, x.finish_reason]));

describe('the providers.md 3.3 transcript', () => {
  const head = (created: number) => `data: {"id":"chatcmpl-ag4pavQTzLrj4Q-XkKnZBA","object":"chat.completion.chunk","created":${created},"model":"gemini-2.5-flash","choices":[{"index":0,"delta":`;

  test('byte level: role chunk, content delta, finish chunk; no usage without include_usage', () => {
    const s = run(FOUR);
    const created = chunks(s)[0].created as number;
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(5);
    const tail = (finish = 'null') => `,"logprobs":null,"finish_reason":${finish}}]}\n\n`;
    expect(s.out.join('')).toBe(
      [`${head(created)}{"role":"assistant","content":""}${tail()}`, `${head(created)}{"content":"Four."}${tail()}`, `${head(created)}{}${tail('"stop"')}`].join(''),
    );
    expect(s.finished).toBe(true);
    expect(s.committed).toBe(true);
    expect(s.error).toBeNull();
    expect(s.usage).toEqual({ prompt_tokens: 51, completion_tokens: 2, total_tokens: 53, prompt_tokens_details: { cached_tokens: 0 } });
  });

  test('byte level with include_usage: usage:null on every chunk, then a choices:[] usage chunk', () => {
    const s = run(FOUR, { includeUsage: true });
    const created = chunks(s)[0].created as number;
    const tail = (finish = 'null') => `,"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
    expect(s.out.join('')).toBe(
      [
        `${head(created)}{"role":"assistant","content":""}${tail()}`,
        `${head(created)}{"content":"Four."}${tail()}`,
        `${head(created)}{}${tail('"stop"')}`,
        `data: {"id":"chatcmpl-ag4pavQTzLrj4Q-XkKnZBA","object":"chat.completion.chunk","created":${created},"model":"gemini-2.5-flash","choices":[],"usage":{"prompt_tokens":51,"completion_tokens":2,"total_tokens":53,"prompt_tokens_details":{"cached_tokens":0}}}\n\n`,
      ].join(''),
    );
  });

  test('fed one byte at a time, the output is the same', () => {
    const strip = (s: TranslateState) => s.out.join('').replace(/"created":\d+/g, '');
    expect(strip(run(FOUR, { pieces: 1, includeUsage: true }))).toBe(strip(run(FOUR, { includeUsage: true })));
  });
});

describe('translation', () => {
  test('usageMetadata is cumulative: the last one counts (thoughts included)', () => {
    const s = run(
      sse(
        ev([cand([{ text: 'a' }])], { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1, totalTokenCount: 11 } }),
        ev([cand([{ text: 'b' }], 'STOP')], { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 6, thoughtsTokenCount: 20, totalTokenCount: 36 } }),
      ),
      { includeUsage: true },
    );
    const expected = { prompt_tokens: 10, completion_tokens: 26, total_tokens: 36, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 20 } };
    expect(s.usage).toEqual(expected);
    expect(chunks(s).at(-1)).toMatchObject({ id: 'chatcmpl-R1', choices: [], usage: expected });
  });

  test('a functionCall arrives whole: one tool_calls delta with id, name and full arguments; finish tool_calls despite STOP', () => {
    const s = run(sse(ev([cand([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'SIG1' }], 'STOP')], USAGE)));
    const d = deltas(s);
    expect(d).toEqual([
      [0, { role: 'assistant', content: '' }, null],
      [0, { tool_calls: [{ index: 0, id: expect.stringMatching(/^call_\w{24}__ts__SIG1$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, null],
      [0, {}, 'tool_calls'],
    ]);
    expect(signatureOf((d[1]![1] as any).tool_calls[0].id)).toBe('SIG1');
    expect(s.finished).toBe(true);
  });

  test('two function calls in one event → tool call indices 0 and 1 with distinct ids', () => {
    const s = run(sse(ev([cand([{ functionCall: { name: 'a', args: {} } }, { functionCall: { id: 'fc_b', name: 'b' } }])]), ev([cand(undefined, 'STOP')])));
    const calls = deltas(s).flatMap(([, d]) => (d as any).tool_calls ?? []);
    expect(calls.map((c: any) => [c.index, c.function.name, c.function.arguments])).toEqual([
      [0, 'a', '{}'],
      [1, 'b', '{}'],
    ]);
    expect(calls[1].id).toBe('fc_b');
    expect(calls[0].id).not.toBe(calls[1].id);
    expect(deltas(s).at(-1)).toEqual([0, {}, 'tool_calls']);
  });

  test('a final event with an empty text part and finishReason: no empty delta, just the finish', () => {
    const s = run(sse(ev([cand([{ text: 'Hi' }])]), ev([cand([{ text: '' }], 'MAX_TOKENS')], USAGE)));
    expect(deltas(s)).toEqual([
      [0, { role: 'assistant', content: '' }, null],
      [0, { content: 'Hi' }, null],
      [0, {}, 'length'],
    ]);
  });

  test('thought parts are dropped unless the client asked for reasoning, then they are reasoning_content', () => {
    const t = sse(ev([cand([{ text: 'Pondering.', thought: true }])]), ev([cand([{ text: 'Four.' }], 'STOP')]));
    expect(deltas(run(t)).map(([, d]) => d)).toEqual([{ role: 'assistant', content: '' }, { content: 'Four.' }, {}]);
    expect(deltas(run(t, { shape: { reasoning: true } })).map(([, d]) => d)).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Pondering.' }, { content: 'Four.' }, {}]);
  });

  test('n=2 interleaved: per-choice indices, one role chunk each, finished only when both finished', () => {
    const t = sse(ev([cand([{ text: 'A1' }], undefined, 0)]), ev([cand([{ text: 'B1' }], undefined, 1)]), ev([cand([{ text: 'A2' }], 'STOP', 0)], USAGE));
    const s = run(t, { expected: 2, includeUsage: true });
    expect(s.finished).toBe(false);
    expect(chunks(s).some((c) => c.choices.length === 0)).toBe(false);
    const s2 = run(t + sse(ev([cand([{ text: 'B2' }], 'STOP', 1)], USAGE)), { expected: 2, includeUsage: true });
    expect(s2.finished).toBe(true);
    expect(deltas(s2)).toEqual([
      [0, { role: 'assistant', content: '' }, null],
      [0, { content: 'A1' }, null],
      [1, { role: 'assistant', content: '' }, null],
      [1, { content: 'B1' }, null],
      [0, { content: 'A2' }, null],
      [0, {}, 'stop'],
      [1, { content: 'B2' }, null],
      [1, {}, 'stop'],
    ]);
    expect(chunks(s2).at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } });
  });

  test('n=2 with only the first choice seen and finished is not finished', () => {
    expect(run(sse(ev([cand([{ text: 'A' }], 'STOP', 0)])), { expected: 2 }).finished).toBe(false);
  });

  test('an id and model Gemini does not send: the fallback id and the requested model', () => {
    const s = run(sse({ candidates: [cand([{ text: 'x' }], 'STOP')] }));
    expect(chunks(s)[0]).toMatchObject({ id: 'chatcmpl-trace1', model: 'gemini-2.5-flash' });
  });

  test('events that are not JSON are ignored', () => {
    const s = run('data: not json\r\n\r\n' + sse(ev([cand([{ text: 'ok' }], 'STOP')])));
    expect(s.error).toBeNull();
    expect(deltas(s).map(([, d]) => d)).toEqual([{ role: 'assistant', content: '' }, { content: 'ok' }, {}]);
  });
});

describe('errors in the stream', () => {
  const quota = { error: { code: 429, message: 'You exceeded your current quota (key AIzaSECRET).', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' }] } };

  test('data: {"error":...} before any content → state.error classified (429 → throttled, Retry-After from RetryInfo), nothing emitted', () => {
    const s = run(sse(quota, ev([cand([{ text: 'late' }], 'STOP')])));
    expect(s.out).toEqual([]);
    expect(s.committed).toBe(false);
    expect(s.error).toBeInstanceOf(ProviderError);
    const e = s.error as ProviderError;
    expect([e.failureClass, e.status, e.code, e.upstreamStatus]).toEqual(['throttled', 502, 'PROVIDER_ERROR', 429]);
    expect(e.headers).toEqual({ 'retry-after': '35' });
    expect(e.message).toContain('You exceeded your current quota');
    expect(e.message).not.toContain('AIzaSECRET');
  });

  test('an error after content keeps what was sent and stops translating', () => {
    const s = run(sse(ev([cand([{ text: 'Hal' }])]), { error: { message: 'Internal error encountered.', status: 'INTERNAL' } }, ev([cand([{ text: 'f' }], 'STOP')])));
    expect(deltas(s).map(([, d]) => d)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hal' }]);
    expect((s.error as ProviderError).failureClass).toBe('transient');
    expect(s.finished).toBe(false);
  });

  test('a blocked prompt event → the client 400 naming the block reason', () => {
    const s = run(sse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } }));
    expect(s.out).toEqual([]);
    expect(s.error?.status).toBe(400);
    expect(s.error?.code).toBe('INVALID_REQUEST');
    expect(s.error?.message).toContain('PROHIBITED_CONTENT');
  });
});
