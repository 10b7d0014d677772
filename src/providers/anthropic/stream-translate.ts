import type { EventSourceMessage } from 'eventsource-parser';
import { DONE_EVENT } from '../../protocols/openai/sse.ts';
import { argsDelta, chunkPrefix, contentDelta, emitChunk, emitUsage, newTranslation, reasoningDelta, ROLE_DELTA, type TranslationState } from '../chunk-output.ts';
import { providerErrorFromEvent } from './errors.ts';
import { mapStopReason, toUsage } from './response.ts';
import type { AnthropicUsage, ReplyShape } from './wire.ts';

// Anthropic stream events → OpenAI chat.completion.chunk SSE text (providers.md 2.4), one event at a time,
// with explicit state per stream. Pure: no I/O, so every transcript can be checked byte for byte.

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other';

interface BlockState {
  kind: BlockKind;
  /** The OpenAI tool_calls index: tool blocks counted on their own, never Anthropic's block index. */
  tool: number;
  /** Whether any argument text was sent; a no-arg tool streams only `""` and must still end up as `{}`. */
  sawArgs: boolean;
}

export interface TranslateState extends TranslationState {
  blocks: BlockState[];
  tools: number;
  raw: AnthropicUsage;
  readonly shape: ReplyShape;
  readonly provider: string;
  readonly redact: (text: string) => string;
}

export function newTranslateState(opts: {
  shape: ReplyShape;
  includeUsage: boolean;
  provider: string;
  model: string;
  fallbackId: string;
  redact: (text: string) => string;
}): TranslateState {
  return newTranslation(
    { id: opts.fallbackId, model: opts.model, includeUsage: opts.includeUsage },
    { blocks: [] as BlockState[], tools: 0, raw: {} as AnthropicUsage, shape: opts.shape, provider: opts.provider, redact: opts.redact },
  );
}

const emit = (s: TranslateState, delta: string, finish: string | null = null, commit = true) => emitChunk(s, delta, finish, { commit });

/** Usage fields newer servers repeat in message_delta replace what message_start said. */
function mergeUsage(s: TranslateState, u: unknown): void {
  if (!u || typeof u !== 'object') return;
  for (const [k, v] of Object.entries(u as Record<string, unknown>)) if (typeof v === 'number') s.raw[k] = v;
  s.usage = toUsage(s.raw);
}

type Obj = Record<string, any>;

function blockStart(s: TranslateState, index: number, cb: Obj): void {
  const b: BlockState = { kind: 'other', tool: -1, sawArgs: false };
  s.blocks[index] = b;
  if (cb.type === 'text') {
    b.kind = 'text';
    if (cb.text) emit(s, contentDelta(cb.text));
  } else if (cb.type === 'tool_use' && cb.name === s.shape.jsonTool) {
    b.kind = 'json';
  } else if (cb.type === 'tool_use') {
    b.kind = 'tool';
    b.tool = s.tools++;
    const call = { index: b.tool, id: cb.id, type: 'function', function: { name: cb.name, arguments: '' } };
    emit(s, `{"tool_calls":[${JSON.stringify(call)}]}`);
  } else if (cb.type === 'thinking') {
    b.kind = 'thinking';
    if (s.shape.reasoning && cb.thinking) emit(s, reasoningDelta(cb.thinking));
  }
}

function blockDelta(s: TranslateState, b: BlockState | undefined, d: Obj): void {
  if (!b) return;
  if (d.type === 'text_delta') {
    if (d.text) emit(s, contentDelta(d.text));
  } else if (d.type === 'input_json_delta') {
    if (!d.partial_json) return;
    b.sawArgs = true;
    if (b.kind === 'tool') emit(s, argsDelta(b.tool, d.partial_json));
    else if (b.kind === 'json') emit(s, contentDelta(d.partial_json));
  } else if (d.type === 'thinking_delta') {
    if (s.shape.reasoning && d.thinking) emit(s, reasoningDelta(d.thinking));
  }
  // signature_delta, citations_delta: nothing an OpenAI client can use
}

function blockStop(s: TranslateState, b: BlockState | undefined): void {
  if (!b || b.sawArgs) return;
  if (b.kind === 'tool') emit(s, argsDelta(b.tool, '{}'));
  else if (b.kind === 'json') emit(s, contentDelta('{}'));
}

function messageDelta(s: TranslateState, data: Obj): void {
  mergeUsage(s, data.usage);
  let finish = mapStopReason(data.delta?.stop_reason) ?? 'stop';
  // The forced JSON tool delivered the answer; there is no call for the client to run.
  if (finish === 'tool_calls' && s.tools === 0) finish = 'stop';
  s.finished = true;
  emit(s, '{}', finish);
  emitUsage(s);
}

/** Translates one upstream event, queueing whatever it means for the client. */
export function translateEvent(s: TranslateState, ev: EventSourceMessage): void {
  if (s.done || s.error) return;
  s.seen = true;
  const type = ev.event;
  if (type === 'ping') return;
  let data: Obj;
  try {
    data = JSON.parse(ev.data) as Obj;
  } catch {
    return; // not an event Dvara understands; Anthropic adds event types over time
  }
  switch (type ?? data.type) {
    case 'message_start': {
      const m = (data.message ?? {}) as Obj;
      if (typeof m.id === 'string' && typeof m.model === 'string') s.prefix = chunkPrefix(m.id, m.model);
      mergeUsage(s, m.usage);
      // Queued but not committing: an error right after message_start can still fail over.
      emit(s, ROLE_DELTA, null, false);
      return;
    }
    case 'content_block_start':
      return blockStart(s, data.index as number, (data.content_block ?? {}) as Obj);
    case 'content_block_delta':
      return blockDelta(s, s.blocks[data.index as number], (data.delta ?? {}) as Obj);
    case 'content_block_stop':
      return blockStop(s, s.blocks[data.index as number]);
    case 'message_delta':
      return messageDelta(s, data);
    case 'message_stop':
      s.done = true;
      s.out.push(DONE_EVENT);
      return;
    case 'error':
      s.error = providerErrorFromEvent(s.provider, data.error ?? data, s.redact);
      return;
  }
}
