import type { EventSourceMessage } from 'eventsource-parser';
import type { Usage } from '../protocols/openai/types.ts';
import { ChunkSession, type ChunkState, type SseSession } from './sse-relay.ts';

// The output half every stream translation shares (Anthropic, Gemini, Bedrock → OpenAI chunks): the state a
// relay reads, and chunk text built from a prefix serialised once per stream. What the upstream's events mean
// stays in each provider's stream-translate.ts.

export interface TranslationState extends ChunkState {
  /** An upstream event has arrived (the first-byte deadline has done its job). */
  seen: boolean;
  /** Something worth sending is queued (content, a tool call, the finish): from here on the stream is the client's. */
  committed: boolean;
  /** Everything before `"choices"` in a chunk. */
  prefix: string;
  readonly includeUsage: boolean;
}

/** Everything before `"choices"` in a chunk: fixed for the whole stream, so it is serialised once. */
export function chunkPrefix(id: string, model: string): string {
  return `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)},`;
}

/** A fresh state; `extra` is the translation's own part. */
export function newTranslation<X extends object>(opts: { id: string; model: string; includeUsage: boolean }, extra: X): TranslationState & X {
  return {
    out: [],
    seen: false,
    committed: false,
    finished: false,
    done: false,
    error: null,
    usage: null,
    prefix: chunkPrefix(opts.id, opts.model),
    includeUsage: opts.includeUsage,
    ...extra,
  };
}

/**
 * Queues one chunk for choice `index`; `delta` is already JSON text. `commit: false` for chunks that may still
 * be followed by an error worth failing over for (the role chunk before any content).
 */
export function emitChunk(s: TranslationState, delta: string, finish: string | null = null, opts?: { index?: number; commit?: boolean }): void {
  const reason = finish ? `"${finish}"` : 'null';
  s.out.push(`${s.prefix}"choices":[{"index":${opts?.index ?? 0},"delta":${delta},"logprobs":null,"finish_reason":${reason}}]${s.includeUsage ? ',"usage":null' : ''}}\n\n`);
  if (opts?.commit !== false) s.committed = true;
}

/** Queues the final usage chunk (`choices: []`), when the client asked for it and usage is known. */
export function emitUsage(s: TranslationState, usage: Usage | null = s.usage): void {
  if (s.includeUsage && usage) s.out.push(`${s.prefix}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
}

export const contentDelta = (text: string) => `{"content":${JSON.stringify(text)}}`;
export const reasoningDelta = (text: string) => `{"reasoning_content":${JSON.stringify(text)}}`;
export const argsDelta = (tool: number, args: string) => `{"tool_calls":[{"index":${tool},"function":{"arguments":${JSON.stringify(args)}}}]}`;
export const ROLE_DELTA = '{"role":"assistant","content":""}';

/** A relay session over a pure translation: the state says how far the answer has got. */
export class TranslationSession<S extends TranslationState> extends ChunkSession {
  constructor(
    protected readonly s: S,
    provider: string,
    traceId: string,
    endsAtClose = false,
  ) {
    super(s, provider, traceId, endsAtClose);
  }

  get seen(): boolean {
    return this.s.seen;
  }
  get committed(): boolean {
    return this.s.committed;
  }
}

/** A translation of an SSE upstream, one event at a time. */
export class SseTranslation<S extends TranslationState> extends TranslationSession<S> implements SseSession {
  constructor(
    s: S,
    private readonly translate: (s: S, ev: EventSourceMessage) => void,
    provider: string,
    traceId: string,
    endsAtClose = false,
  ) {
    super(s, provider, traceId, endsAtClose);
  }

  onEvent(ev: EventSourceMessage): void {
    this.translate(this.s, ev);
  }
}
