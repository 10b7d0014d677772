import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamResult } from '../providers/types.ts';
import type { ChatChunk } from './openai/types.ts';
import { DvaraError, isErrorCode } from '../server/errors.ts';

// Front doors that speak another protocol (Anthropic Messages, OpenAI Responses) serve every adapter's OpenAI
// chunk stream re-framed as their own events. The reading is the same for each: parse the adapter's SSE as it
// arrives, let the protocol's translator queue events, send what one read produced as one write, end once the
// translator has, and then drain a completed upstream (its usage settles as complete) or cancel a failed one.

/** One event of an adapter's chunk stream: the end marker, an error event, a chunk, or nothing usable. */
export type ChunkEvent = { kind: 'done' } | { kind: 'error'; error: DvaraError } | { kind: 'chunk'; chunk: Partial<ChatChunk> } | null;

export function readChunkEvent(ev: EventSourceMessage): ChunkEvent {
  if (ev.data === '[DONE]') return { kind: 'done' };
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(ev.data) as Record<string, unknown>;
  } catch {
    return null; // not JSON: nothing a client could use, and no reason to end a working stream
  }
  if (obj.error && !obj.choices) return { kind: 'error', error: chunkStreamError(obj.error) };
  return { kind: 'chunk', chunk: obj as Partial<ChatChunk> };
}

/** A protocol's translator: its state machine, fed one adapter event at a time. */
export interface Reframer {
  /** Protocol text queued for the client. */
  out: string[];
  /** The last event (completion or error) is queued; nothing follows it. */
  readonly ended: boolean;
  /** It ended with a completion (the upstream is drained, not cancelled). */
  readonly completed: boolean;
  onEvent(ev: EventSourceMessage): void;
  /** An upstream keep-alive comment. */
  onComment?(): void;
  /** The adapter's stream ended (with or without [DONE]). */
  onEnd(): void;
  /** Reading the adapter's stream failed. */
  onReadError(): void;
}

const encoder = new TextEncoder();

/** An OpenAI-shaped error inside an adapter's stream (`data: {"error":{...}}`, sent after the first byte). */
export function chunkStreamError(error: unknown): DvaraError {
  const e = (error && typeof error === 'object' ? error : {}) as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' && e.message ? e.message : 'The provider reported an error mid-stream';
  return new DvaraError(isErrorCode(e.code) ? e.code : 'PROVIDER_ERROR', message);
}

export function reframeStream(source: StreamResult, t: Reframer): StreamResult {
  const reader = source.body.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: (ev) => t.onEvent(ev), onComment: t.onComment && (() => t.onComment!()) });
  const flush = (c: ReadableStreamDefaultController<Uint8Array>) => {
    if (t.out.length > 0) c.enqueue(encoder.encode(t.out.join('')));
    t.out = [];
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Read until there is something to send: a pull that enqueues nothing is not called again.
      while (!t.ended) {
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await reader.read();
        } catch {
          t.onReadError();
          break;
        }
        if (r.done) {
          parser.feed(decoder.decode());
          parser.reset({ consume: true });
          t.onEnd();
        } else parser.feed(decoder.decode(r.value, { stream: true }));
        if (t.out.length > 0 && !t.ended) return flush(controller);
      }
      try {
        flush(controller);
        controller.close();
      } catch {
        // the client cancelled while the last read was pending: nobody is listening
      }
      if (t.completed) void drain(reader);
      else reader.cancel().catch(() => {});
    },
    cancel(reason) {
      return reader.cancel(reason).catch(() => {});
    },
  });
  return { kind: 'stream', body, usage: source.usage };
}

async function drain(reader: { read(): Promise<{ done: boolean }> }): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // already reported or irrelevant: the client has its complete answer
  }
}
