import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { toOpenAIErrorBody, type DvaraError } from '../server/errors.ts';
import { DONE_EVENT, encodeSse, sseEvent } from '../protocols/openai/sse.ts';
import { ProviderError } from './errors.ts';
import type { Usage } from '../protocols/openai/types.ts';
import type { StreamResult, UpstreamCall, UsageReport } from './types.ts';
import { Deadline } from './upstream-call.ts';

// The lifecycle every streamed upstream answer shares, whatever its format: read as bytes arrive, decode them
// (SSE events here, Bedrock's binary frames in its adapter), hold everything until the first event worth committing to (an error before it still fails over),
// then pass on what each network read produced as one write, settle usage however the stream ends, and
// cancel the upstream when the client goes away. What the events mean belongs to a RelaySession.

export interface RelaySession {
  /** The provider's name, for errors the relay itself decides on (timeouts). */
  readonly provider: string;
  /** Any event arrived: the upstream is answering, and the first-byte deadline no longer applies. */
  readonly seen: boolean;
  /** An event that makes the answer the client's (failover is no longer possible after it). */
  readonly committed: boolean;
  /** The upstream's terminal marker arrived. */
  readonly done: boolean;
  /** An error the upstream reported, or the session decided on. */
  error: DvaraError | null;
  /** The raw bytes of one network read (for sessions that forward bytes unchanged). */
  onBytes?(bytes: Uint8Array): void;
  /** Output produced since the last call, or null. */
  take(): Uint8Array | null;
  /**
   * The last output: the upstream ended (`ended`), failed (`failure`), or the relay stopped after `done` or an
   * error. A session appends its terminal marker or error event here; returns whether the answer is partial.
   */
  end(ended: boolean, failure: DvaraError | null): { tail: Uint8Array | null; partial: boolean };
  usage(): Usage | null;
  /** The error to throw when the stream ends before anything committed. */
  emptyError(): DvaraError;
}

/** The stream went silent longer than its idle limit, or ran past its total limit. */
function streamTimeout(provider: string, call: UpstreamCall, endsAt: number): DvaraError {
  const total = performance.now() >= endsAt;
  const what = total ? `finish the stream within ${call.timeouts?.totalMs} ms` : `send the next stream event within ${call.timeouts?.idleMs} ms`;
  return new ProviderError({ provider, failureClass: 'timeout', message: `Provider ${provider} did not ${what}` });
}

/** A session whose upstream speaks SSE. */
export interface SseSession extends RelaySession {
  onEvent(ev: EventSourceMessage): void;
  onComment?(comment: string): void;
}

/** Turns network reads into a session's events; `feed` may throw, which fails the stream like a network error. */
export interface RelayInput {
  feed(bytes: Uint8Array): void;
  /** The upstream ended: whatever is buffered is complete now, or never will be. */
  end(): void;
}

function sseInput(s: SseSession): RelayInput {
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: (ev) => s.onEvent(ev), onComment: s.onComment && ((c) => s.onComment!(c)) });
  return {
    feed: (bytes) => parser.feed(decoder.decode(bytes, { stream: true })),
    end: () => {
      parser.feed(decoder.decode());
      parser.reset({ consume: true });
    },
  };
}

/** Relays an SSE upstream; see relayStream. */
export function relaySse(res: Response, call: UpstreamCall, deadline: Deadline, s: SseSession, failureOf: (err: unknown) => DvaraError): Promise<StreamResult> {
  return relayStream(res, call, deadline, s, failureOf, sseInput(s));
}

/** Starts relaying; resolves once the session committed, or throws (before any byte reached the client). */
export async function relayStream(
  res: Response,
  call: UpstreamCall,
  deadline: Deadline,
  s: RelaySession,
  failureOf: (err: unknown) => DvaraError,
  input: RelayInput,
): Promise<StreamResult> {
  const reader = res.body!.getReader();
  let failure: DvaraError | null = null;
  let started = false;

  let settle!: (r: UsageReport) => void;
  const usage = new Promise<UsageReport>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (partial: boolean, error?: DvaraError | null) => {
    if (settled) return;
    settled = true;
    settle(error ? { usage: s.usage(), partial, errorCode: error.code } : { usage: s.usage(), partial });
  };

  // Once the stream runs, the idle gap between reads and the total time are limited only when configured.
  const idleMs = call.timeouts?.idleMs;
  const totalMs = call.timeouts?.totalMs;
  const endsAt = totalMs !== undefined ? performance.now() + totalMs : Infinity;
  let gap: Deadline | null = null;
  const limitedRead = () => {
    const ms = Math.min(idleMs ?? Infinity, endsAt - performance.now());
    gap = new Deadline(Math.max(0, ms));
    return gap.race(reader.read()).finally(() => gap!.clear());
  };

  /** One network read; false when the upstream has ended or failed. */
  const readOnce = async (): Promise<boolean> => {
    try {
      // Until the first event the deadline applies; after it, a long think is not a timeout (unless limited).
      const running = started || s.seen;
      const r = !running ? await deadline.race(reader.read()) : idleMs !== undefined || totalMs !== undefined ? await limitedRead() : await reader.read();
      if (r.done) {
        input.end();
        return false;
      }
      s.onBytes?.(r.value);
      input.feed(r.value);
      if (s.seen) deadline.clear();
      return true;
    } catch (err) {
      if (gap?.expired) failure = streamTimeout(s.provider, call, endsAt);
      else if (!call.signal.aborted) failure = failureOf(err);
      return false;
    }
  };

  let open = true;
  try {
    while (!s.committed && !s.done && !s.error && (open = await readOnce()));
  } finally {
    started = true;
    deadline.clear();
    if (deadline.expired) reader.cancel().catch(() => {});
  }
  // Nothing has reached the client yet: fail here, where failover to another target is still possible.
  const early = s.committed ? null : (s.error ?? failure ?? (!s.done && !open ? s.emptyError() : null));
  if (early) {
    reader.cancel().catch(() => {});
    throw early;
  }

  const endOf = (controller: ReadableStreamDefaultController<Uint8Array>, ended: boolean) => {
    const out = s.take();
    if (out) controller.enqueue(out);
    const { tail, partial } = s.end(ended, failure);
    if (tail) controller.enqueue(tail);
    finish(partial, s.error ?? failure);
    controller.close();
    if (!ended) reader.cancel().catch(() => {});
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (s.done || s.error) return endOf(controller, !open);
      const out = s.take();
      if (out) controller.enqueue(out);
    },
    async pull(controller) {
      // Keep reading until there is something to send: a read may hold only part of an event, or only events
      // the client does not see, and a pull that enqueues nothing is not called again.
      while (!settled) {
        const more = await readOnce();
        if (!more || s.done || s.error) return endOf(controller, !more);
        const out = s.take();
        if (out) {
          controller.enqueue(out);
          return;
        }
      }
    },
    cancel() {
      finish(true);
      reader.cancel().catch(() => {});
    },
  });
  return { kind: 'stream', body, usage };
}

/** What a relay whose output is OpenAI chat-completion SSE keeps: the compatible relay and translations alike. */
export interface ChunkState {
  out: string[];
  done: boolean;
  /** A finish_reason went out: the answer is complete even if the terminal marker goes missing. */
  finished: boolean;
  error: DvaraError | null;
  usage: Usage | null;
}

/** The shared half of sessions that produce OpenAI SSE: output, the end of the stream, usage. */
export abstract class ChunkSession implements RelaySession {
  abstract readonly seen: boolean;
  abstract readonly committed: boolean;
  /**
   * `endsAtClose`: the upstream's own end of stream is its terminal marker (Gemini sends no [DONE]), so a
   * finished answer followed by the close is complete, not partial.
   */
  constructor(
    protected readonly st: ChunkState,
    readonly provider: string,
    private readonly traceId: string,
    private readonly endsAtClose = false,
  ) {}

  get done(): boolean {
    return this.st.done;
  }
  get error(): DvaraError | null {
    return this.st.error;
  }
  set error(e: DvaraError | null) {
    this.st.error = e;
  }

  take(): Uint8Array | null {
    if (this.st.out.length === 0) return null;
    const out = encodeSse(this.st.out.join(''));
    this.st.out = [];
    return out;
  }

  end(ended: boolean, failure: DvaraError | null): { tail: Uint8Array | null; partial: boolean } {
    const st = this.st;
    let err = st.error ?? failure;
    let tail = '';
    if (!st.done && !err && ended) {
      // A finished answer whose terminal marker went missing is complete; anything else was cut short.
      if (st.finished) {
        tail = DONE_EVENT;
        if (this.endsAtClose) st.done = true;
      }
      else err = new ProviderError({ provider: this.provider, failureClass: 'truncated', message: `Provider ${this.provider} ended the stream before it was complete` });
    }
    if (err) tail += sseEvent(toOpenAIErrorBody(err, this.traceId));
    return { tail: tail ? encodeSse(tail) : null, partial: err !== null || !st.done };
  }

  usage(): Usage | null {
    return this.st.usage;
  }

  emptyError(): DvaraError {
    return new ProviderError({ provider: this.provider, failureClass: 'truncated', message: `Provider ${this.provider} ended the stream before answering` });
  }
}
