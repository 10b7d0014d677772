// Anthropic SSE → OpenAI chat.completion.chunk SSE (providers.md 2.4, pitfalls 2.6), through the real reader on
// transcripts fed as network chunks: chunk by chunk, byte-level where it matters, and usage however it ends.
import { describe, expect, test } from 'bun:test';
import { translateStream } from '../../../../src/providers/anthropic/stream.ts';
import { redactor, type AnthropicUpstream } from '../../../../src/providers/anthropic/upstream.ts';
import type { ReplyShape } from '../../../../src/providers/anthropic/wire.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { Deadline } from '../../../../src/providers/upstream-call.ts';
import type { UsageReport } from '../../../../src/providers/types.ts';
import { anthropicEvent as ev, PING } from '../../../fakes/anthropic-wire.ts';

const up: AnthropicUpstream = { name: 'claude', baseUrl: 'http://x', timeoutMs: 5000, headers: {}, defaultMaxTokens: 4096, redact: redactor('sk-ant-secret-key-123') };
const plain: ReplyShape = { jsonTool: null, reasoning: false };

const start = (usage: Record<string, number> = { input_tokens: 377, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 }) =>
  ev('message_start', { type: 'message_start', message: { id: 'msg_019Q', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage } });
const blockStart = (index: number, content_block: object) => ev('content_block_start', { type: 'content_block_start', index, content_block });
const delta = (index: number, d: object) => ev('content_block_delta', { type: 'content_block_delta', index, delta: d });
const text = (index: number, t: string) => delta(index, { type: 'text_delta', text: t });
const json = (index: number, partial_json: string) => delta(index, { type: 'input_json_delta', partial_json });
const stop = (index: number) => ev('content_block_stop', { type: 'content_block_stop', index });
const msgDelta = (stop_reason: string, usage: object = { output_tokens: 65 }) => ev('message_delta', { type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage });
const MSG_STOP = ev('message_stop', { type: 'message_stop' });

/** The transcript of providers.md 2.4: a text block, then a tool_use block. */
const TEXT_THEN_TOOL = [
  start(), blockStart(0, { type: 'text', text: '' }), text(0, "I'll check."), stop(0), PING,
  blockStart(1, { type: 'tool_use', id: 'toolu_01NR', name: 'get_weather', input: {} }),
  json(1, ''), json(1, '{"location": "Paris"}'), stop(1), msgDelta('tool_use'), MSG_STOP,
];

function upstream(pieces: string[], end: 'close' | 'error' = 'close'): Response {
  const enc = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        const p = pieces[i++];
        if (p !== undefined) return c.enqueue(enc.encode(p));
        if (end === 'error') c.error(new Error('socket closed'));
        else c.close();
      },
    }),
  );
}

interface Run { text: string; data: string[]; chunks: any[]; usage: UsageReport }

async function run(pieces: string[], opts: { includeUsage?: boolean; shape?: ReplyShape; end?: 'close' | 'error' } = {}): Promise<Run> {
  const call = { model: 'claude-sonnet-4-5', signal: new AbortController().signal, includeUsage: opts.includeUsage ?? false, traceId: 'trace1' };
  const r = await translateStream(up, upstream(pieces, opts.end), call, new Deadline(5000), opts.shape ?? plain);
  const text = await new Response(r.body).text();
  const data = text.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  return { text, data, chunks, usage: await r.usage };
}

const deltas = (r: Run) => r.chunks.filter((c) => c.choices?.length).map((c) => c.choices[0].delta);

describe('translation', () => {
  test('text then tool_use, byte level: OpenAI framing, tool index 0 (not Anthropic block index 1), [DONE]', async () => {
    const r = await run(TEXT_THEN_TOOL);
    const created = r.chunks[0].created as number;
    const head = `data: {"id":"msg_019Q","object":"chat.completion.chunk","created":${created},"model":"claude-sonnet-4-5","choices":[{"index":0,"delta":`;
    const tail = (finish = 'null') => `,"logprobs":null,"finish_reason":${finish}}]}\n\n`;
    expect(r.text).toBe(
      [
        `${head}{"role":"assistant","content":""}${tail()}`,
        `${head}{"content":"I'll check."}${tail()}`,
        `${head}{"tool_calls":[{"index":0,"id":"toolu_01NR","type":"function","function":{"name":"get_weather","arguments":""}}]}${tail()}`,
        `${head}{"tool_calls":[{"index":0,"function":{"arguments":"{\\"location\\": \\"Paris\\"}"}}]}${tail()}`,
        `${head}{}${tail('"tool_calls"')}`,
        'data: [DONE]\n\n',
      ].join(''),
    );
    expect(r.usage).toEqual({ usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442, prompt_tokens_details: { cached_tokens: 0 } }, partial: false });
  });

  test('include_usage: usage:null on every chunk and a final choices:[] usage chunk (output tokens from message_delta)', async () => {
    const r = await run(TEXT_THEN_TOOL, { includeUsage: true });
    for (const c of r.chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(r.chunks.at(-1)).toMatchObject({ id: 'msg_019Q', choices: [], usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 } });
    expect(r.data.at(-1)).toBe('[DONE]');
  });

  test('without include_usage no chunk mentions usage, but the usage report is exact', async () => {
    const r = await run(TEXT_THEN_TOOL);
    expect(r.text).not.toContain('usage');
    expect(r.usage.usage?.completion_tokens).toBe(65);
  });

  test('several tools after text get dense indices 0, 1 with stable ids; arguments reassemble', async () => {
    const r = await run([
      start(), blockStart(0, { type: 'text', text: '' }), text(0, 'Checking both.'), stop(0),
      blockStart(1, { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {} }), json(1, ''), json(1, '{"city":'), json(1, '"Paris"}'), stop(1),
      blockStart(2, { type: 'tool_use', id: 'toolu_B', name: 'get_weather', input: {} }), json(2, '{"city":"Rome"}'), stop(2),
      msgDelta('tool_use'), MSG_STOP,
    ]);
    const calls = new Map<number, { id: string; args: string }>();
    for (const d of deltas(r)) {
      for (const tc of d.tool_calls ?? []) {
        const cur = calls.get(tc.index) ?? { id: '', args: '' };
        if (tc.id) cur.id = tc.id;
        cur.args += tc.function?.arguments ?? '';
        calls.set(tc.index, cur);
      }
    }
    expect([...calls.entries()]).toEqual([
      [0, { id: 'toolu_A', args: '{"city":"Paris"}' }],
      [1, { id: 'toolu_B', args: '{"city":"Rome"}' }],
    ]);
  });

  test('a no-arg tool streams only partial_json "" → arguments "{}"', async () => {
    const r = await run([start(), blockStart(0, { type: 'tool_use', id: 'toolu_N', name: 'now', input: {} }), json(0, ''), stop(0), msgDelta('tool_use'), MSG_STOP]);
    const args = deltas(r).flatMap((d) => d.tool_calls ?? []).map((tc: any) => tc.function.arguments).join('');
    expect(args).toBe('{}');
  });

  test('ping anywhere is ignored; CRLF framing and events split across reads are understood', async () => {
    const whole = [start(), PING, blockStart(0, { type: 'text', text: '' }), PING, text(0, 'Hello'), text(0, ' world'), stop(0), msgDelta('end_turn'), PING, MSG_STOP].join('').replaceAll('\n', '\r\n');
    const pieces = whole.match(/[\s\S]{1,7}/g)!;
    const r = await run(pieces);
    expect(deltas(r).map((d) => d.content ?? '').join('')).toBe('Hello world');
    expect(r.chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  test('stop reasons: max_tokens → length, stop_sequence → stop', async () => {
    for (const [reason, finish] of [['max_tokens', 'length'], ['stop_sequence', 'stop'], ['end_turn', 'stop']]) {
      const r = await run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'x'), stop(0), msgDelta(reason!), MSG_STOP]);
      expect(r.chunks.at(-1).choices[0].finish_reason).toBe(finish);
    }
  });

  test('usage fields repeated in message_delta (newer servers) win; cache reads count in prompt_tokens', async () => {
    const r = await run([
      start({ input_tokens: 5, cache_read_input_tokens: 0, output_tokens: 1 }), blockStart(0, { type: 'text', text: '' }), text(0, 'hi'), stop(0),
      msgDelta('end_turn', { input_tokens: 10, cache_read_input_tokens: 90, cache_creation_input_tokens: 0, output_tokens: 3 }), MSG_STOP,
    ]);
    expect(r.usage.usage).toEqual({ prompt_tokens: 100, completion_tokens: 3, total_tokens: 103, prompt_tokens_details: { cached_tokens: 90 } });
  });

  test('forced json tool: input_json_delta → content, finish stop; an empty object still yields "{}"', async () => {
    const shape = { jsonTool: 'json', reasoning: false };
    const r = await run([start(), blockStart(0, { type: 'tool_use', id: 't', name: 'json', input: {} }), json(0, ''), json(0, '{"answer":'), json(0, '"Paris"}'), stop(0), msgDelta('tool_use'), MSG_STOP], { shape });
    expect(deltas(r).map((d) => d.content ?? '').join('')).toBe('{"answer":"Paris"}');
    expect(deltas(r).some((d) => d.tool_calls)).toBe(false);
    expect(r.chunks.at(-1).choices[0].finish_reason).toBe('stop');
    const empty = await run([start(), blockStart(0, { type: 'tool_use', id: 't', name: 'json', input: {} }), json(0, ''), stop(0), msgDelta('tool_use'), MSG_STOP], { shape });
    expect(deltas(empty).map((d) => d.content ?? '').join('')).toBe('{}');
  });

  test('thinking: dropped unless reasoning was asked for, then reasoning_content (never content)', async () => {
    const t = [start(), blockStart(0, { type: 'thinking', thinking: '' }), delta(0, { type: 'thinking_delta', thinking: 'Hmm.' }), delta(0, { type: 'signature_delta', signature: 'sig' }), stop(0),
      blockStart(1, { type: 'text', text: '' }), text(1, '4'), stop(1), msgDelta('end_turn'), MSG_STOP];
    const hidden = await run(t);
    expect(hidden.text).not.toContain('Hmm.');
    expect(deltas(hidden).map((d) => d.content ?? '').join('')).toBe('4');
    const shown = await run(t, { shape: { jsonTool: null, reasoning: true } });
    expect(deltas(shown).map((d) => d.reasoning_content ?? '').join('')).toBe('Hmm.');
    expect(deltas(shown).map((d) => d.content ?? '').join('')).toBe('4');
  });
});

describe('errors and endings', () => {
  test('an error event before any content throws (failover still possible): overloaded → 503', async () => {
    const err = await run([start(), PING, ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
  });

  test('an error event mid-stream → an OpenAI error data event, then the end (no [DONE]); usage partial', async () => {
    const r = await run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'Hel'), ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    const last = JSON.parse(r.data.at(-1)!);
    expect(last.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', trace_id: 'trace1' });
    expect(last.error.message).toContain('Overloaded');
    expect(r.text).not.toContain('[DONE]');
    expect(r.usage).toEqual({ usage: expect.objectContaining({ prompt_tokens: 377 }), partial: true, errorCode: expect.any(String) });
  });

  test('a stream cut after content → truncated error event; usage what was known', async () => {
    const r = await run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'Hel')], { end: 'error' });
    expect(JSON.parse(r.data.at(-1)!).error.code).toBe('PROVIDER_ERROR');
    expect(r.usage.partial).toBe(true);
    expect(r.usage.usage?.prompt_tokens).toBe(377);
  });

  test('message_delta arrived but message_stop did not: the answer is complete, [DONE] is added', async () => {
    const r = await run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'ok'), stop(0), msgDelta('end_turn')]);
    expect(r.data.at(-1)).toBe('[DONE]');
    expect(r.usage.partial).toBe(true);
  });

  test('a stream that ends before answering throws truncated', async () => {
    expect(await run([start(), PING]).catch((e) => e)).toMatchObject({ failureClass: 'truncated' });
    expect(await run([]).catch((e) => e)).toMatchObject({ failureClass: 'truncated' });
  });

  test('Dvara\'s key never appears in an error event', async () => {
    const r = await run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'x'), ev('error', { type: 'error', error: { type: 'api_error', message: 'key sk-ant-secret-key-123 broke' } })]);
    expect(r.text).not.toContain('sk-ant-secret-key-123');
  });
});
