import type { EventSourceMessage } from 'eventsource-parser';
import type { Usage } from '../protocols/openai/types.ts';
import type { DvaraError } from '../server/errors.ts';
import { ProviderError } from './errors.ts';
import type { SseSession } from './sse-relay.ts';

// Native passthrough streams (Anthropic's /v1/messages, OpenAI's /v1/responses): the upstream's own SSE bytes
// go to the client unchanged and as they arrive, while a protocol-specific sniffer parses only the events
// that carry usage, errors and the end on the side.

/** What a protocol's sniffer learns from the events it reads. */
export interface StreamSniffer {
  /** Any event arrived. */
  seen: boolean;
  /** An event that makes the answer the client's (content): failover is no longer possible after it. */
  committed: boolean;
  /** The protocol's terminal event arrived. */
  done: boolean;
  /** An error event the upstream sent (before commit, it fails over). */
  error: DvaraError | null;
  onEvent(ev: EventSourceMessage): void;
  usage(): Usage | null;
  /** The bytes a client of this protocol expects when the stream breaks. */
  errorEvent(err: DvaraError): Uint8Array;
}

export class PassthroughRelay implements SseSession {
  private held: Uint8Array[] = [];

  constructor(
    private readonly s: StreamSniffer,
    readonly provider: string,
  ) {}

  get seen() {
    return this.s.seen;
  }
  get committed() {
    return this.s.committed;
  }
  get done() {
    return this.s.done;
  }
  get error() {
    return this.s.error;
  }
  set error(e) {
    this.s.error = e;
  }

  onEvent(ev: EventSourceMessage): void {
    this.s.onEvent(ev);
  }

  onBytes(bytes: Uint8Array): void {
    this.held.push(bytes);
  }

  take(): Uint8Array | null {
    if (this.held.length === 0) return null;
    const out = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.held = [];
    return out;
  }

  end(ended: boolean, failure: DvaraError | null) {
    // The upstream's own error event already reached the client; a cut or a network failure did not.
    let tail: Uint8Array | null = null;
    if (!this.s.done && !this.s.error && ended) {
      tail = this.s.errorEvent(
        failure ?? new ProviderError({ provider: this.provider, failureClass: 'truncated', message: `Provider ${this.provider} ended the stream before it was complete` }),
      );
    }
    return { tail, partial: !this.s.done };
  }

  usage() {
    return this.s.usage();
  }

  emptyError() {
    return new ProviderError({ provider: this.provider, failureClass: 'truncated', message: `Provider ${this.provider} ended the stream before answering` });
  }
}
