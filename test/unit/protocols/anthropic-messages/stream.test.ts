// Golden transcripts: OpenAI SSE bytes in (as adapters stream them), Anthropic SSE bytes out, compared as text.
import { describe, expect, test } from 'bun:test';
import { translateStream, type StreamOptions } from '../../../../src/protocols/anthropic-messages/stream.ts';
import type { StreamResult } from '../../../../src/providers/types.ts';

const HEAD = '"id":"chatcmpl-X","object":"chat.completion.chunk","created":1770933892,"model":"gpt-4.1-nano","system_fingerprint":"fp_x"';
const chunk = (choices: string, usage = 'null') => `data: {${HEAD},"choices":${choices},"usage":${usage}}\n\n`;
const delta = (d: string, finish: string | null = null) => chunk(`[{"index":0,"delta":${d},"logprobs":null,"finish_reason":${finish ? `"${finish}"` : 'null'}}]`);
const DONE = 'data: [DONE]\n\n';

/** A source stream delivering `text` in pieces of `size` bytes (all at once by default). */
function source(text: string, size = Infinity, onCancel?: () => void): StreamResult {
  const bytes = new TextEncoder().encode(text);
  let pos = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pos >= bytes.length) return c.close();
      const end = Math.min(bytes.length, pos + size);
      c.enqueue(bytes.slice(pos, end));
      pos = end;
    },
    cancel: () => onCancel?.(),
  });
  return { kind: 'stream', body, usage: Promise.resolve({ usage: null, partial: false }) };
}

const OPTS: StreamOptions = { model: 'requested', traceId: 'trace-1', id: 'msg_test' };

function translate(text: string, opts: Partial<StreamOptions> = {}, size?: number): Promise<string> {
  return new Response(translateStream(source(text, size), { ...OPTS, ...opts }).body).text();
}

const eventNames = (out: string) => [...out.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);

const TEXT_IN = [
  delta('{"role":"assistant","content":"","refusal":null}'),
  delta('{"content":"Hello"}'),
  delta('{"content":" world"}'),
  delta('{}', 'stop'),
  chunk('[]', '{"prompt_tokens":16,"completion_tokens":2,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":0}}'),
  DONE,
].join('');

const TEXT_OUT = `event: message_start
data: {"type":"message_start","message":{"id":"msg_test","type":"message","role":"assistant","model":"gpt-4.1-nano","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":16,"cache_read_input_tokens":0,"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"}

`;

describe('translateStream golden transcripts', () => {
  test('text answer with usage at the end: input tokens repeated in message_delta', async () => {
    expect(await translate(TEXT_IN)).toBe(TEXT_OUT);
  });

  test('byte-sized reads and CRLF framing give the same transcript', async () => {
    expect(await translate(TEXT_IN, {}, 1)).toBe(TEXT_OUT);
    expect(await translate(TEXT_IN, {}, 7)).toBe(TEXT_OUT);
    expect(await translate(TEXT_IN.replaceAll('\n', '\r\n'))).toBe(TEXT_OUT);
  });

  test('text, then two tool calls with argument fragments; block indexes are Anthropic\'s, not OpenAI\'s', async () => {
    const input = [
      delta('{"role":"assistant","content":"Checking."}'),
      delta('{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]}'),
      delta('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\""}}]}'),
      delta('{"tool_calls":[{"index":0,"function":{"arguments":":\\"Paris\\"}"}}]}'),
      delta('{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"now","arguments":""}}]}'),
      delta('{}', 'tool_calls'),
      chunk('[]', '{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70,"prompt_tokens_details":{"cached_tokens":10}}'),
      DONE,
    ].join('');
    expect(await translate(input)).toBe(`event: message_start
data: {"type":"message_start","message":{"id":"msg_test","type":"message","role":"assistant","model":"gpt-4.1-nano","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_A","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":":\\"Paris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_B","name":"now","input":{}}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":40,"cache_read_input_tokens":10,"output_tokens":20}}

event: message_stop
data: {"type":"message_stop"}

`);
  });

  test('usage on every chunk (some upstreams): message_start already knows the input tokens', async () => {
    const usage = '{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}';
    const input = chunk('[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]', usage) + chunk('[{"index":0,"delta":{},"finish_reason":"length"}]', usage) + DONE;
    const out = await translate(input);
    expect(out).toContain('"usage":{"input_tokens":12,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}');
    expect(out).toContain('{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":12,"cache_read_input_tokens":0,"output_tokens":1}}');
  });

  test('an error after the first byte → `event: error` in Anthropic shape, and nothing after it', async () => {
    const input = delta('{"content":"Hel"}') + 'data: {"error":{"message":"Provider openai timed out","type":"server_error","code":"PROVIDER_TIMEOUT","param":null,"trace_id":"t"}}\n\n' + delta('{"content":"lo"}') + DONE;
    const out = await translate(input);
    expect(eventNames(out)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
    expect(out.endsWith('event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"Provider openai timed out"},"code":"PROVIDER_TIMEOUT","trace_id":"trace-1"}\n\n')).toBe(true);
  });

  test('an upstream error object without a Dvara code is a PROVIDER_ERROR (api_error)', async () => {
    const out = await translate('data: {"error":{"message":"Overloaded"}}\n\n');
    expect(out).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Overloaded"},"code":"PROVIDER_ERROR","trace_id":"trace-1"}\n\n');
  });

  test('a stream that ends mid-answer is an error, never an invented end_turn', async () => {
    const out = await translate(delta('{"content":"Hel"}'));
    expect(eventNames(out)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
    expect(out).toContain('"code":"PROVIDER_ERROR"');
  });

  test('a finished answer without [DONE] still completes', async () => {
    const out = await translate(delta('{"content":"Hi"}') + delta('{}', 'stop'));
    expect(eventNames(out)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(out).toContain('"usage":{"output_tokens":0}');
  });

  test('keep-alive comments become pings; unknown or malformed events are skipped', async () => {
    const out = await translate(': keep-alive\n\n' + delta('{"content":"Hi"}') + 'data: not json\n\n' + ': keep-alive\n\n' + delta('{}', 'stop') + DONE);
    expect(eventNames(out)).toEqual(['ping', 'message_start', 'content_block_start', 'content_block_delta', 'ping', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(out).toContain('event: ping\ndata: {"type":"ping"}\n\n');
  });

  test('a refusal streams as text with stop_reason refusal', async () => {
    const out = await translate(delta('{"role":"assistant","content":null,"refusal":"I can\'t."}') + delta('{}', 'stop') + DONE);
    expect(out).toContain('"delta":{"type":"text_delta","text":"I can\'t."}');
    expect(out).toContain('"delta":{"stop_reason":"refusal","stop_sequence":null}');
  });

  test('stop_sequence when the upstream reports the matched stop (vLLM)', async () => {
    const input = delta('{"content":"a"}') + chunk('[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"###"}]') + DONE;
    expect(await translate(input, { stopSequences: ['###'] })).toContain('"delta":{"stop_reason":"stop_sequence","stop_sequence":"###"}');
  });

  test('the model comes from the upstream, else the requested one; an empty answer still starts and stops cleanly', async () => {
    const out = await translate(DONE);
    expect(out).toContain('"model":"requested"');
    expect(eventNames(out)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  test('DashScope quirks: repeated empty ids and a trailing empty-arguments delta are harmless', async () => {
    const input = [
      delta('{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"a\\":"}}]}'),
      delta('{"tool_calls":[{"index":0,"id":"","type":"function","function":{"arguments":"1}"}}]}'),
      delta('{}', 'tool_calls'),
      delta('{"tool_calls":[{"index":0,"id":"","type":"function","function":{"arguments":""}}]}'),
      DONE,
    ].join('');
    const out = await translate(input);
    expect(eventNames(out)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(out).toContain('"content_block":{"type":"tool_use","id":"call_1","name":"f","input":{}}');
  });
});

describe('translateStream lifecycle', () => {
  test('a source that fails mid-read ends with an error event', async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (!sent) {
          sent = true;
          return c.enqueue(new TextEncoder().encode(delta('{"content":"Hi"}')));
        }
        c.error(new Error('socket reset'));
      },
    });
    const out = await new Response(translateStream({ kind: 'stream', body, usage: Promise.resolve({ usage: null, partial: true }) }, OPTS).body).text();
    expect(eventNames(out).at(-1)).toBe('error');
    expect(out).not.toContain('socket reset');
  });

  test('a client that goes away cancels the upstream; a completed stream never does', async () => {
    let cancelled = 0;
    const translated = translateStream(source(TEXT_IN, 8, () => cancelled++), OPTS);
    const reader = translated.body.getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(1);

    const complete = translateStream(source(TEXT_IN, 8, () => cancelled++), OPTS);
    expect(await new Response(complete.body).text()).toBe(TEXT_OUT);
    await Bun.sleep(5);
    expect(cancelled).toBe(1);
  });

  test('the usage report is the adapter\'s own', async () => {
    const src = source(TEXT_IN);
    expect(translateStream(src, OPTS).usage).toBe(src.usage);
  });
});
