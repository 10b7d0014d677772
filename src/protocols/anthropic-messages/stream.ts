import type { EventSourceMessage } from 'eventsource-parser';
import { readChunkEvent, reframeStream } from '../reframe.ts';
import type { ChatChunk, ToolCallDelta, Usage } from '../openai/types.ts';
import type { StreamResult } from '../../providers/types.ts';
import { DvaraError } from '../../server/errors.ts';
import { toAnthropicErrorBody } from './errors.ts';
import { mapStopReason, matchedStopSequence, newMessageId, toAnthropicUsage } from './from-openai.ts';

// OpenAI SSE bytes (what every adapter's `chat` streams) → Anthropic's event sequence (design/providers.md
// §2.4): message_start, then per block content_block_start / _delta... / _stop, then message_delta (stop
// reason, usage) and message_stop. Anthropic blocks are strictly sequential, so a block is closed when the
// next one opens or the answer finishes. Every event carries an `event:` line: the Anthropic SDKs skip
// events without one.

export interface StreamOptions {
  /** The model to report until the upstream names one. */
  model: string;
  traceId: string;
  stopSequences?: readonly string[] | null;
  id?: string;
}

/** Everything the translation remembers between events. */
interface StreamState {
  id: string;
  model: string;
  traceId: string;
  stopSequences: readonly string[] | null;
  started: boolean;
  /** Anthropic index the next block gets. */
  nextIndex: number;
  /** The open block, if any. */
  open: { index: number; kind: 'text' | 'tool' } | null;
  /** OpenAI tool_calls[].index → Anthropic block index. */
  tools: Map<number, number>;
  finish: string | null;
  matchedStop: string | null;
  refused: boolean;
  usage: Usage | null;
  /** message_stop or an error event has been sent; nothing follows either. */
  ended: boolean;
  /** Whether it ended with message_stop (so the upstream is drained, not cancelled). */
  completed: boolean;
  out: string[];
}


function emit(s: StreamState, type: string, data: object): void {
  s.out.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

function start(s: StreamState, chunk: Partial<ChatChunk> | null): void {
  if (s.started) return;
  s.started = true;
  if (chunk && typeof chunk.model === 'string' && chunk.model) s.model = chunk.model;
  // Some upstreams send usage on every chunk; most only at the end, and then input_tokens is 0 here.
  const usage = { ...toAnthropicUsage(s.usage), output_tokens: 0 };
  const message = { id: s.id, type: 'message', role: 'assistant', model: s.model, content: [], stop_reason: null, stop_sequence: null, usage };
  emit(s, 'message_start', { message });
}

function closeBlock(s: StreamState): void {
  if (!s.open) return;
  emit(s, 'content_block_stop', { index: s.open.index });
  s.open = null;
}

function openBlock(s: StreamState, kind: 'text' | 'tool', block: Record<string, unknown>): number {
  closeBlock(s);
  const index = s.nextIndex++;
  s.open = { index, kind };
  emit(s, 'content_block_start', { index, content_block: block });
  return index;
}

function text(s: StreamState, piece: string): void {
  const index = s.open?.kind === 'text' ? s.open.index : openBlock(s, 'text', { type: 'text', text: '' });
  emit(s, 'content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
}

function toolDelta(s: StreamState, tc: ToolCallDelta): void {
  let index = s.tools.get(tc.index);
  if (index === undefined) {
    const id = tc.id || `toolu_${crypto.randomUUID().replaceAll('-', '')}`;
    index = openBlock(s, 'tool', { type: 'tool_use', id, name: tc.function?.name ?? '', input: {} });
    s.tools.set(tc.index, index);
  }
  // A fragment for a call whose block is already closed (an upstream interleaving parallel calls) still goes
  // to that call's block: losing arguments would be worse than the out-of-order delta.
  const args = tc.function?.arguments;
  if (args) emit(s, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args } });
}

function onChunk(s: StreamState, chunk: Partial<ChatChunk>): void {
  if (chunk.usage && typeof chunk.usage === 'object') s.usage = chunk.usage;
  start(s, chunk);
  const choice = chunk.choices?.[0];
  if (!choice) return;
  const delta = choice.delta ?? {};
  if (typeof delta.content === 'string' && delta.content) text(s, delta.content);
  if (typeof delta.refusal === 'string' && delta.refusal) {
    s.refused = true;
    text(s, delta.refusal);
  }
  for (const tc of delta.tool_calls ?? []) if (tc && typeof tc.index === 'number') toolDelta(s, tc);
  if (choice.finish_reason) {
    s.finish = choice.finish_reason;
    s.matchedStop = matchedStopSequence(choice as Record<string, unknown>, s.stopSequences);
    closeBlock(s);
  }
}

function finishMessage(s: StreamState): void {
  start(s, null);
  closeBlock(s);
  const stopReason = s.refused && s.finish === 'stop' ? 'refusal' : mapStopReason(s.finish, s.matchedStop);
  const u = toAnthropicUsage(s.usage);
  // Input tokens are repeated here, as newer Anthropic servers do, since message_start usually had none.
  const usage = s.usage ? { input_tokens: u.input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, output_tokens: u.output_tokens } : { output_tokens: 0 };
  emit(s, 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? s.matchedStop : null }, usage });
  emit(s, 'message_stop', {});
  s.ended = true;
  s.completed = true;
}

function fail(s: StreamState, err: DvaraError): void {
  emit(s, 'error', toAnthropicErrorBody(err, s.traceId));
  s.ended = true;
}

function onEvent(s: StreamState, ev: EventSourceMessage): void {
  if (s.ended) return;
  const e = readChunkEvent(ev);
  if (e?.kind === 'done') return finishMessage(s);
  if (e?.kind === 'error') return fail(s, e.error);
  if (e?.kind === 'chunk') onChunk(s, e.chunk);
}

/** The upstream ended: without [DONE], a finished answer is still complete; anything else was cut short. */
function onEnd(s: StreamState): void {
  if (s.ended) return;
  if (s.finish) return finishMessage(s);
  fail(s, new DvaraError('PROVIDER_ERROR', 'The provider ended the stream before the answer was complete'));
}

export function translateStream(source: StreamResult, opts: StreamOptions): StreamResult {
  const s: StreamState = {
    id: opts.id ?? newMessageId(),
    model: opts.model,
    traceId: opts.traceId,
    stopSequences: opts.stopSequences ?? null,
    started: false,
    nextIndex: 0,
    open: null,
    tools: new Map(),
    finish: null,
    matchedStop: null,
    refused: false,
    usage: null,
    ended: false,
    completed: false,
    out: [],
  };
  return reframeStream(
    source,
    Object.assign(s, {
      onEvent: (ev: EventSourceMessage) => onEvent(s, ev),
      // Upstream keep-alives (DeepSeek while queued) become Anthropic pings, so idle timeouts stay quiet.
      onComment: () => {
        if (!s.ended) emit(s, 'ping', {});
      },
      onEnd: () => onEnd(s),
      onReadError: () => fail(s, new DvaraError('PROVIDER_ERROR', 'The stream from the provider failed')),
    }),
  );
}
