import type { EventSourceMessage } from 'eventsource-parser';
import type { ChatChunk, ToolCallDelta, Usage } from '../openai/types.ts';
import type { StreamResult } from '../../providers/types.ts';
import { DvaraError } from '../../server/errors.ts';
import { readChunkEvent, reframeStream } from '../reframe.ts';
import { incompleteReason, newItemId, responseObject, toResponsesUsage, type Envelope } from './from-chat.ts';
import { rememberItems } from './item-store.ts';
import type { OutputItem, OutputText, ResponsesRequest } from './types.ts';

// OpenAI chunk SSE (what every adapter's `chat` streams) → the Responses API's typed events: response.created
// and .in_progress, then per output item output_item.added, its deltas (output_text / function_call_arguments)
// and their .done events, output_item.done, and finally response.completed (or .incomplete) carrying the whole
// response with usage. Every event has an `event:` line and a growing sequence_number.

interface OpenMessage {
  index: number;
  id: string;
  text: string;
}

interface OpenCall {
  index: number;
  item: Extract<OutputItem, { type: 'function_call' }>;
}

interface StreamState {
  req: ResponsesRequest;
  env: Envelope;
  seq: number;
  started: boolean;
  output: OutputItem[];
  message: OpenMessage | null;
  /** Chat tool_calls[].index → the function_call item. */
  calls: Map<number, OpenCall>;
  finish: string | null;
  usage: Usage | null;
  ended: boolean;
  completed: boolean;
  out: string[];
}

function emit(s: StreamState, type: string, data: object): void {
  s.out.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: s.seq++, ...data })}\n\n`);
}

function start(s: StreamState, chunk: Partial<ChatChunk> | null): void {
  if (s.started) return;
  s.started = true;
  if (chunk && typeof chunk.model === 'string' && chunk.model) s.env.model = chunk.model;
  const response = responseObject(s.req, s.env, 'in_progress', [], null);
  emit(s, 'response.created', { response });
  emit(s, 'response.in_progress', { response });
}

const textPart = (text: string): OutputText => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function closeMessage(s: StreamState): void {
  const m = s.message;
  if (!m) return;
  s.message = null;
  const at = { item_id: m.id, output_index: m.index, content_index: 0 };
  emit(s, 'response.output_text.done', { ...at, text: m.text, logprobs: [] });
  emit(s, 'response.content_part.done', { ...at, part: textPart(m.text) });
  const item: OutputItem = { id: m.id, type: 'message', status: 'completed', role: 'assistant', content: [textPart(m.text)] };
  s.output[m.index] = item;
  emit(s, 'response.output_item.done', { output_index: m.index, item });
}

function text(s: StreamState, piece: string): void {
  if (!s.message) {
    const m: OpenMessage = { index: s.output.length, id: newItemId('msg'), text: '' };
    s.message = m;
    s.output.push({ id: m.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
    emit(s, 'response.output_item.added', { output_index: m.index, item: s.output[m.index] });
    emit(s, 'response.content_part.added', { item_id: m.id, output_index: m.index, content_index: 0, part: textPart('') });
  }
  s.message.text += piece;
  emit(s, 'response.output_text.delta', { item_id: s.message.id, output_index: s.message.index, content_index: 0, delta: piece, logprobs: [] });
}

function toolDelta(s: StreamState, tc: ToolCallDelta): void {
  let call = s.calls.get(tc.index);
  if (!call) {
    closeMessage(s);
    const item = { id: newItemId('fc'), type: 'function_call' as const, status: 'in_progress' as const, call_id: tc.id || `call_${newItemId('fc').slice(3)}`, name: tc.function?.name ?? '', arguments: '' };
    call = { index: s.output.length, item };
    s.calls.set(tc.index, call);
    s.output.push({ ...item });
    emit(s, 'response.output_item.added', { output_index: call.index, item: { ...item } });
  }
  const args = tc.function?.arguments;
  if (!args) return;
  call.item.arguments += args;
  emit(s, 'response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args });
}

function onChunk(s: StreamState, chunk: Partial<ChatChunk>): void {
  if (chunk.usage && typeof chunk.usage === 'object') s.usage = chunk.usage;
  start(s, chunk);
  const choice = chunk.choices?.[0];
  if (!choice) return;
  const delta = choice.delta ?? {};
  if (typeof delta.content === 'string' && delta.content) text(s, delta.content);
  for (const tc of delta.tool_calls ?? []) if (tc && typeof tc.index === 'number') toolDelta(s, tc);
  if (choice.finish_reason) s.finish = choice.finish_reason;
}

function finish(s: StreamState): void {
  start(s, null);
  closeMessage(s);
  for (const call of s.calls.values()) {
    const item = { ...call.item, status: 'completed' as const };
    emit(s, 'response.function_call_arguments.done', { item_id: item.id, output_index: call.index, name: item.name, arguments: item.arguments });
    s.output[call.index] = item;
    emit(s, 'response.output_item.done', { output_index: call.index, item });
  }
  rememberItems(s.output);
  const incomplete = incompleteReason(s.finish);
  const response = responseObject(s.req, s.env, incomplete ? 'incomplete' : 'completed', s.output, toResponsesUsage(s.usage), incomplete);
  emit(s, incomplete ? 'response.incomplete' : 'response.completed', { response });
  s.ended = true;
  s.completed = true;
}

function fail(s: StreamState, err: DvaraError): void {
  emit(s, 'error', { code: err.code, message: err.message, param: err.param ?? null });
  s.ended = true;
}

function onEvent(s: StreamState, ev: EventSourceMessage): void {
  if (s.ended) return;
  const e = readChunkEvent(ev);
  if (e?.kind === 'done') return finish(s);
  if (e?.kind === 'error') return fail(s, e.error);
  if (e?.kind === 'chunk') onChunk(s, e.chunk);
}

export function translateStream(source: StreamResult, req: ResponsesRequest, env: Envelope): StreamResult {
  const s: StreamState = {
    req, env, seq: 0, started: false, output: [], message: null, calls: new Map(), finish: null, usage: null, ended: false, completed: false, out: [],
  };
  return reframeStream(
    source,
    Object.assign(s, {
      onEvent: (ev: EventSourceMessage) => onEvent(s, ev),
      // Without [DONE], a finished answer is still complete; anything else was cut short.
      onEnd: () => {
        if (s.ended) return;
        if (s.finish) finish(s);
        else fail(s, new DvaraError('PROVIDER_ERROR', 'The provider ended the stream before the answer was complete'));
      },
      onReadError: () => fail(s, new DvaraError('PROVIDER_ERROR', 'The stream from the provider failed')),
    }),
  );
}
