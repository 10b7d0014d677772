import type { EventSourceMessage } from 'eventsource-parser';
import type { DvaraError } from '../../server/errors.ts';
import type { StreamResult, UpstreamCall } from '../types.ts';
import { relaySse, type SseSession } from '../sse-relay.ts';
import { ProviderError } from '../errors.ts';
import type { Deadline } from '../upstream-call.ts';
import { providerErrorFromEvent } from './errors.ts';
import { toUsage } from './response.ts';
import { upstreamFailure, type AnthropicUpstream } from './upstream.ts';
import type { AnthropicUsage } from './wire.ts';

// The native /v1/messages stream: Anthropic's own SSE bytes, relayed unchanged and as they arrive, while the
// events that carry usage (message_start, message_delta) and errors are parsed on the side.

interface SniffState {
  raw: AnthropicUsage;
  seen: boolean;
  /** An event past message_start/ping: from here on the stream is the client's. */
  committed: boolean;
  done: boolean;
  error: DvaraError | null;
}

const encoder = new TextEncoder();

/** What an Anthropic client expects when a stream breaks: Anthropic's own error event. */
function anthropicErrorEvent(err: DvaraError): Uint8Array {
  const type = err.status === 503 ? 'overloaded_error' : err.status === 504 ? 'timeout_error' : 'api_error';
  return encoder.encode(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message: err.message } })}\n\n`);
}

function sniff(s: SniffState, up: AnthropicUpstream) {
  const merge = (u: unknown) => {
    if (!u || typeof u !== 'object') return;
    for (const [k, v] of Object.entries(u as Record<string, unknown>)) if (typeof v === 'number') s.raw[k] = v;
  };
  return (ev: EventSourceMessage) => {
    s.seen = true;
    const type = ev.event;
    if (type === 'ping') return;
    if (type === 'message_stop') s.done = true;
    // Only the few events Dvara needs are parsed; text deltas pass by unread.
    if (type === 'message_start' || type === 'message_delta' || type === 'error') {
      let data: Record<string, any>;
      try {
        data = JSON.parse(ev.data) as Record<string, any>;
      } catch {
        return;
      }
      if (type === 'message_start') return merge(data.message?.usage);
      if (type === 'error') {
        s.error = providerErrorFromEvent(up.name, data.error ?? data, up.redact);
        return;
      }
      merge(data.usage);
    }
    s.committed = true;
  };
}

/** Passes Anthropic's bytes through unchanged, reading usage and errors on the side. */
class NativeRelay implements SseSession {
  private readonly s: SniffState = { raw: {}, seen: false, committed: false, done: false, error: null };
  private held: Uint8Array[] = [];
  readonly onEvent;

  constructor(private readonly up: AnthropicUpstream) {
    this.onEvent = sniff(this.s, up);
  }

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
      tail = anthropicErrorEvent(
        failure ?? new ProviderError({ provider: this.up.name, failureClass: 'truncated', message: `Provider ${this.up.name} ended the stream before it was complete` }),
      );
    }
    return { tail, partial: !this.s.done };
  }

  usage() {
    return Object.keys(this.s.raw).length > 0 ? toUsage(this.s.raw) : null;
  }

  emptyError() {
    return new ProviderError({ provider: this.up.name, failureClass: 'truncated', message: `Provider ${this.up.name} ended the stream before answering` });
  }
}

/** Starts relaying; an error event or a dead stream before any content still throws here, where failover is possible. */
export function relayNativeStream(up: AnthropicUpstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<StreamResult> {
  return relaySse(res, call, deadline, new NativeRelay(up), (err) => upstreamFailure(up, deadline, call, err));
}
