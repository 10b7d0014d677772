import { argsDelta, contentDelta, emitChunk, emitUsage, newTranslation, reasoningDelta, ROLE_DELTA, type TranslationState } from '../chunk-output.ts';
import { DONE_EVENT } from '../../protocols/openai/sse.ts';
import { mapStopReason, toUsage } from './response.ts';
import type { ReplyShape } from './wire.ts';

// ConverseStream events (decoded from eventstream frames) → OpenAI chat.completion.chunk SSE text (providers.md
// 4.3): text blocks arrive without a contentBlockStart, tool blocks start with their name and stream their input
// as JSON text, contentBlockIndex counts text and tool blocks together (OpenAI's tool index counts tools only),
// the stop reason comes in messageStop and usage after it, in metadata, which ends the stream.
// Pure: no I/O, so every transcript can be checked byte for byte.

type BlockKind = 'text' | 'tool' | 'json' | 'reasoning';

interface BlockState {
  kind: BlockKind;
  tool: number;
  sawArgs: boolean;
}

export interface TranslateState extends TranslationState {
  blocks: Map<number, BlockState>;
  tools: number;
  stopReason: string | undefined;
  readonly shape: ReplyShape;
}

export function newTranslateState(opts: { shape: ReplyShape; includeUsage: boolean; model: string; id: string }): TranslateState {
  return newTranslation(opts, { blocks: new Map<number, BlockState>(), tools: 0, stopReason: undefined as string | undefined, shape: opts.shape });
}

const emit = (s: TranslateState, delta: string, finish: string | null = null, commit = true) => emitChunk(s, delta, finish, { commit });

type Obj = Record<string, any>;

function blockStart(s: TranslateState, index: number, start: Obj): void {
  const use = start.toolUse as Obj | undefined;
  if (!use) return;
  if (use.name === s.shape.jsonTool) {
    s.blocks.set(index, { kind: 'json', tool: -1, sawArgs: false });
    return;
  }
  const b: BlockState = { kind: 'tool', tool: s.tools++, sawArgs: false };
  s.blocks.set(index, b);
  emit(s, `{"tool_calls":[${JSON.stringify({ index: b.tool, id: use.toolUseId, type: 'function', function: { name: use.name, arguments: '' } })}]}`);
}

function blockDelta(s: TranslateState, index: number, delta: Obj): void {
  if (typeof delta.text === 'string') {
    if (!s.blocks.has(index)) s.blocks.set(index, { kind: 'text', tool: -1, sawArgs: false });
    if (delta.text) emit(s, contentDelta(delta.text));
    return;
  }
  if (delta.toolUse) {
    const b = s.blocks.get(index);
    const input = (delta.toolUse as Obj).input;
    if (!b || typeof input !== 'string' || !input) return;
    b.sawArgs = true;
    emit(s, b.kind === 'json' ? contentDelta(input) : argsDelta(b.tool, input));
    return;
  }
  const reasoning = (delta.reasoningContent as Obj | undefined)?.text;
  if (typeof reasoning === 'string' && reasoning && s.shape.reasoning) emit(s, reasoningDelta(reasoning));
}

/** A tool called without arguments streams no input at all; the client must still get `{}`. */
function blockStop(s: TranslateState, index: number): void {
  const b = s.blocks.get(index);
  if (!b || b.sawArgs) return;
  if (b.kind === 'tool') emit(s, argsDelta(b.tool, '{}'));
  else if (b.kind === 'json') emit(s, contentDelta('{}'));
}

/** The finish goes out at messageStop; usage (and [DONE]) when metadata arrives. */
function finish(s: TranslateState): void {
  let reason = mapStopReason(s.stopReason);
  if (reason === 'tool_calls' && s.tools === 0) reason = 'stop'; // the forced JSON tool delivered the answer
  s.finished = true;
  emit(s, '{}', reason);
}

/** Translates one decoded event. */
export function translateEvent(s: TranslateState, eventType: string, data: Obj): void {
  if (s.done || s.error) return;
  s.seen = true;
  switch (eventType) {
    case 'messageStart':
      emit(s, ROLE_DELTA, null, false);
      return;
    case 'contentBlockStart':
      return blockStart(s, data.contentBlockIndex as number, (data.start ?? {}) as Obj);
    case 'contentBlockDelta':
      return blockDelta(s, data.contentBlockIndex as number, (data.delta ?? {}) as Obj);
    case 'contentBlockStop':
      return blockStop(s, data.contentBlockIndex as number);
    case 'messageStop':
      s.stopReason = typeof data.stopReason === 'string' ? data.stopReason : undefined;
      return finish(s);
    case 'metadata':
      s.usage = toUsage(data.usage as Obj | undefined);
      if (!s.finished) finish(s);
      emitUsage(s);
      s.done = true;
      s.out.push(DONE_EVENT);
      return;
  }
  // Unknown event types are tolerated: AWS adds them over time.
}
