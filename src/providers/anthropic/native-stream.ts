import type { EventSourceMessage } from 'eventsource-parser';
import type { DvaraError } from '../../server/errors.ts';
import type { StreamResult, UpstreamCall } from '../types.ts';
import { PassthroughRelay, type StreamSniffer } from '../passthrough-relay.ts';
import { relaySse } from '../sse-relay.ts';
import type { Deadline } from '../upstream-call.ts';
import { providerErrorFromEvent } from './errors.ts';
import { toUsage } from './response.ts';
import { upstreamFailure, type AnthropicUpstream } from './upstream.ts';
import type { AnthropicUsage } from './wire.ts';

// The native /v1/messages stream: Anthropic's own SSE bytes, relayed unchanged (passthrough-relay.ts).

const encoder = new TextEncoder();

/** Reads usage (message_start, message_delta), errors and the end from Anthropic's events; text deltas pass by unread. */
class AnthropicSniffer implements StreamSniffer {
  seen = false;
  committed = false;
  done = false;
  error: DvaraError | null = null;
  private readonly raw: AnthropicUsage = {};

  constructor(private readonly up: AnthropicUpstream) {}

  private merge(u: unknown): void {
    if (!u || typeof u !== 'object') return;
    for (const [k, v] of Object.entries(u as Record<string, unknown>)) if (typeof v === 'number') this.raw[k] = v;
  }

  onEvent(ev: EventSourceMessage): void {
    this.seen = true;
    const type = ev.event;
    if (type === 'ping') return;
    if (type === 'message_stop') this.done = true;
    if (type === 'message_start' || type === 'message_delta' || type === 'error') {
      let data: Record<string, any>;
      try {
        data = JSON.parse(ev.data) as Record<string, any>;
      } catch {
        return;
      }
      if (type === 'message_start') return this.merge(data.message?.usage);
      if (type === 'error') {
        this.error = providerErrorFromEvent(this.up.name, data.error ?? data, this.up.redact);
        return;
      }
      this.merge(data.usage);
    }
    this.committed = true;
  }

  usage() {
    return Object.keys(this.raw).length > 0 ? toUsage(this.raw) : null;
  }

  /** What an Anthropic client expects when a stream breaks: Anthropic's own error event. */
  errorEvent(err: DvaraError): Uint8Array {
    const type = err.status === 503 ? 'overloaded_error' : err.status === 504 ? 'timeout_error' : 'api_error';
    return encoder.encode(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message: err.message } })}\n\n`);
  }
}

/** Starts relaying; an error event or a dead stream before any content still throws here, where failover is possible. */
export function relayNativeStream(up: AnthropicUpstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<StreamResult> {
  return relaySse(res, call, deadline, new PassthroughRelay(new AnthropicSniffer(up), up.name), (err) => upstreamFailure(up, deadline, call, err));
}
