// translateStream end to end at unit level: binary eventstream frames (providers.md 4.4), split across network
// reads, through the decoder, the translator and the shared relay — output, usage, and how each failure ends.
import { describe, expect, test } from 'bun:test';
import { translateStream } from '../../../../src/providers/bedrock/stream.ts';
import { compileUpstream } from '../../../../src/providers/bedrock/upstream.ts';
import type { ReplyShape } from '../../../../src/providers/bedrock/wire.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';
import type { UsageReport } from '../../../../src/providers/types.ts';
import { Deadline } from '../../../../src/providers/upstream-call.ts';
import { bedrockEventFrame as frame, bedrockExceptionFrame, encodeEventStreamMessage } from '../../../fakes/eventstream-encode.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const up = compileUpstream('aws', { type: 'bedrock', region: 'us-east-1', access_key_id: 'AKIDEXAMPLE', secret_access_key: SECRET } as never);
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const plain: ReplyShape = { jsonTool: null, reasoning: false };
const pad = { p: 'abcdefghijklmnopqrstu' };

const START = frame('messageStart', { role: 'assistant', ...pad });
const text = (t: string) => frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: t }, ...pad });
const STOP0 = frame('contentBlockStop', { contentBlockIndex: 0, ...pad });
const MSG_STOP = frame('messageStop', { stopReason: 'end_turn', ...pad });
const METADATA = frame('metadata', { usage: { inputTokens: 22, outputTokens: 55, totalTokens: 77 }, metrics: { latencyMs: 2040 }, ...pad });
const TEXT = [START, text('Let'), text(' me count.'), STOP0, MSG_STOP, METADATA];
const USAGE = { prompt_tokens: 22, completion_tokens: 55, total_tokens: 77, prompt_tokens_details: { cached_tokens: 0 } };

const concat = (frames: Uint8Array[]) => {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) (out.set(f, at), (at += f.length));
  return out;
};
/** The frames' bytes cut into reads of `size` bytes, so frames (and their headers) straddle reads. */
const split = (bytes: Uint8Array, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

function upstream(reads: Uint8Array[]): Response {
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        const r = reads[i++];
        if (r) c.enqueue(r);
        else c.close();
      },
    }),
    { headers: { 'content-type': 'application/vnd.amazon.eventstream' } },
  );
}

interface Run { text: string; events: string[]; usage: UsageReport }

async function run(reads: Uint8Array[], shape = plain): Promise<Run> {
  const call = { model: MODEL, signal: new AbortController().signal, includeUsage: true, traceId: 't1' };
  const r = await translateStream(up, upstream(reads), call, new Deadline(5000), shape);
  const text = await new Response(r.body).text();
  return { text, events: text.split('\n\n').filter(Boolean), usage: await r.usage };
}

async function rejection(reads: Uint8Array[]): Promise<ProviderError> {
  const call = { model: MODEL, signal: new AbortController().signal, includeUsage: true, traceId: 't1' };
  try {
    await translateStream(up, upstream(reads), call, new Deadline(5000), plain);
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected translateStream to reject');
}

const lastError = (r: Run) => JSON.parse(r.events.at(-1)!.replace(/^data: /, '')).error;

describe('frames → SSE', () => {
  test('the text sequence, frames split every 7 bytes: exact SSE output, usage settled, not partial', async () => {
    const r = await run(split(concat(TEXT), 7));
    const created = JSON.parse(r.events[0]!.slice(6)).created as number;
    const head = `data: {"id":"chatcmpl-t1","object":"chat.completion.chunk","created":${created},"model":"${MODEL}",`;
    const chunk = (delta: string, finish = 'null') => `${head}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
    expect(r.text).toBe(
      [
        chunk('{"role":"assistant","content":""}'),
        chunk('{"content":"Let"}'),
        chunk('{"content":" me count."}'),
        chunk('{}', '"stop"'),
        `${head}"choices":[],"usage":${JSON.stringify(USAGE)}}\n\n`,
        'data: [DONE]\n\n',
      ].join(''),
    );
    expect(r.usage).toEqual({ usage: USAGE, partial: false });
  });

  test('all frames in one read give the same output as one byte per read', async () => {
    const whole = await run([concat(TEXT)]);
    const bytewise = await run(split(concat(TEXT), 1));
    const strip = (t: string) => t.replace(/"created":\d+/g, '"created":0');
    expect(strip(bytewise.text)).toBe(strip(whole.text));
    expect(bytewise.usage).toEqual({ usage: USAGE, partial: false });
  });

  test('a tool call and the forced json tool survive the framing', async () => {
    const tool = [
      START,
      frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_x', name: 'json' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":1}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', { stopReason: 'tool_use' }),
      METADATA,
    ];
    const r = await run(split(concat(tool), 13), { jsonTool: 'json', reasoning: false });
    expect(r.events.slice(1, 3).map((e) => JSON.parse(e.slice(6)).choices[0])).toEqual([
      { index: 0, delta: { content: '{"a":1}' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
  });

  test('frames with headers in an unusual order or extra headers are still read by name', async () => {
    const odd = encodeEventStreamMessage({ ':message-type': 'event', 'x-extra': 'y', ':event-type': 'contentBlockDelta' }, JSON.stringify({ contentBlockIndex: 0, delta: { text: 'Hi' } }));
    const r = await run([START, odd, MSG_STOP, METADATA]);
    expect(r.events[1]).toContain('"delta":{"content":"Hi"}');
  });
});

describe('failures', () => {
  test('an exception frame before any content: translateStream rejects, failover still possible', async () => {
    const e = await rejection([START, bedrockExceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.')]);
    expect(e).toMatchObject({ failureClass: 'throttled', status: 502, code: 'PROVIDER_ERROR' });
    expect(e.failoverEligible).toBe(true);
    expect(e.message).toBe('Provider aws is rate limiting Dvara (upstream 429 throttlingException): Too many tokens, please wait before trying again.');
  });

  test('an `error` message frame (:error-code/:error-message headers) fails the same way', async () => {
    const err = encodeEventStreamMessage({ ':message-type': 'error', ':error-code': 'InternalFailure', ':error-message': 'The request processing has failed.' }, '');
    const e = await rejection([START, err]);
    expect(e).toMatchObject({ failureClass: 'transient', message: 'Provider aws failed (upstream 500 InternalFailure): The request processing has failed.' });
  });

  test('an exception frame after content: the content, then a final error event; usage partial', async () => {
    const r = await run(split(concat([START, text('Let'), bedrockExceptionFrame('modelStreamErrorException', `bad ${SECRET}`), METADATA]), 9));
    expect(r.events).toHaveLength(3);
    expect(r.events[1]).toContain('"delta":{"content":"Let"}');
    expect(lastError(r)).toEqual({
      message: 'Provider aws failed (upstream 500 modelStreamErrorException): bad [redacted]',
      type: 'server_error',
      code: 'PROVIDER_ERROR',
      param: null,
      trace_id: 't1',
    });
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('[DONE]');
    expect(r.usage).toEqual({ usage: null, partial: true, errorCode: expect.any(String) });
  });

  test('a stream cut mid-frame after content: a truncated error event, usage partial', async () => {
    const bytes = concat([START, text('Let'), text(' me')]);
    const r = await run([bytes.subarray(0, bytes.length - 5)]);
    expect(r.events.filter((e) => e.includes('"content":"Let"'))).toHaveLength(1);
    expect(r.text).not.toContain(' me');
    expect(lastError(r)).toMatchObject({ message: 'Provider aws ended the stream before it was complete', code: 'PROVIDER_ERROR' });
    expect(r.usage.partial).toBe(true);
  });

  test('a stream cut after the finish but before metadata is complete, with [DONE] and no usage', async () => {
    const r = await run([START, text('Hi'), MSG_STOP]);
    expect(r.events.at(-1)).toBe('data: [DONE]');
    expect(r.text).not.toContain('"error"');
    expect(r.usage).toEqual({ usage: null, partial: true });
  });

  test('a stream that ends before any content rejects as truncated', async () => {
    const e = await rejection([START]);
    expect(e).toMatchObject({ failureClass: 'truncated', message: 'Provider aws ended the stream before answering' });
  });

  test('a corrupt CRC: before content it rejects, after content it ends with an error event, both naming a corrupt event stream', async () => {
    const corrupt = text(' me');
    corrupt[corrupt.length - 10]! ^= 0xff; // a payload byte: the message checksum no longer matches
    const early = await rejection([START, corrupt]);
    expect(early).toMatchObject({ failureClass: 'transient' });
    expect(early.message).toBe('Provider aws sent a corrupt event stream: Message checksum mismatch');

    const r = await run([concat([START, text('Let')]), corrupt, METADATA]);
    expect(r.events[1]).toContain('"delta":{"content":"Let"}');
    expect(lastError(r).message).toStartWith('Provider aws sent a corrupt event stream: ');
    expect(r.usage).toEqual({ usage: null, partial: true, errorCode: "PROVIDER_ERROR" });
  });
});
