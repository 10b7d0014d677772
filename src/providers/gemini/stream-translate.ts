import type { EventSourceMessage } from 'eventsource-parser';
import { chunkPrefix, contentDelta, emitChunk, emitUsage, newTranslation, reasoningDelta, ROLE_DELTA, type TranslationState } from '../chunk-output.ts';
import { providerErrorFromEvent } from './errors.ts';
import { blockedPromptError, mapFinishReason, toToolCall, toUsage } from './response.ts';
import type { Candidate, GenerateContentResponse, ReplyShape } from './wire.ts';

// Gemini's streamGenerateContent?alt=sse events → OpenAI chat.completion.chunk SSE text (providers.md 3.3). Each
// event is a whole GenerateContentResponse: text parts are deltas, a function call arrives whole, usageMetadata
// is cumulative (the last one counts), and there is no [DONE]: the stream ends when the connection closes.
// Pure: no I/O, so every transcript can be checked byte for byte.

interface ChoiceState {
  tools: number;
  finished: boolean;
}

export interface TranslateState extends TranslationState {
  choices: Map<number, ChoiceState>;
  readonly model: string;
  /** How many choices the client asked for (n). */
  readonly expected: number;
  readonly shape: ReplyShape;
  readonly provider: string;
  readonly redact: (text: string) => string;
}

export function newTranslateState(opts: {
  shape: ReplyShape;
  includeUsage: boolean;
  provider: string;
  model: string;
  expected: number;
  fallbackId: string;
  redact: (text: string) => string;
}): TranslateState {
  return newTranslation(
    { id: opts.fallbackId, model: opts.model, includeUsage: opts.includeUsage },
    { choices: new Map<number, ChoiceState>(), model: opts.model, expected: opts.expected, shape: opts.shape, provider: opts.provider, redact: opts.redact },
  );
}

const emit = (s: TranslateState, index: number, delta: string, finish: string | null = null) => emitChunk(s, delta, finish, { index });

function candidate(s: TranslateState, c: Candidate, fallbackIndex: number): void {
  const index = c.index ?? fallbackIndex;
  let st = s.choices.get(index);
  if (!st) {
    st = { tools: 0, finished: false };
    s.choices.set(index, st);
    emit(s, index, ROLE_DELTA);
  }
  for (const part of c.content?.parts ?? []) {
    if (part.functionCall) {
      const call = { index: st.tools++, ...toToolCall(part) };
      emit(s, index, `{"tool_calls":[${JSON.stringify(call)}]}`);
    } else if (typeof part.text === 'string' && part.text) {
      if (!part.thought) emit(s, index, contentDelta(part.text));
      else if (s.shape.reasoning) emit(s, index, reasoningDelta(part.text));
    }
  }
  const finish = mapFinishReason(c.finishReason, st.tools > 0);
  if (finish && !st.finished) {
    st.finished = true;
    emit(s, index, '{}', finish);
  }
}

/** Translates one upstream event, queueing whatever it means for the client. */
export function translateEvent(s: TranslateState, ev: EventSourceMessage): void {
  if (s.done || s.error) return;
  s.seen = true;
  let r: GenerateContentResponse;
  try {
    r = JSON.parse(ev.data) as GenerateContentResponse;
  } catch {
    return; // not an event Dvara understands
  }
  if (r.error) {
    s.error = providerErrorFromEvent(s.provider, r.error, s.redact);
    return;
  }
  const blocked = blockedPromptError(s.provider, r);
  if (blocked) {
    s.error = blocked;
    return;
  }
  if (r.responseId && s.choices.size === 0) s.prefix = chunkPrefix(`chatcmpl-${r.responseId}`, r.modelVersion ?? s.model);
  if (r.usageMetadata) s.usage = toUsage(r.usageMetadata);
  (r.candidates ?? []).forEach((c, i) => candidate(s, c, i));
  if (s.finished || s.choices.size < s.expected) return;
  if ([...s.choices.values()].every((c) => c.finished)) {
    s.finished = true;
    // Usage rides on the finishing event (cumulative); a later usage-only event would still update accounting.
    emitUsage(s);
  }
}
