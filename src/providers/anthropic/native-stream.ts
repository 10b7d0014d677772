import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { DvaraError } from '../../server/errors.ts';
import type { StreamResult, UpstreamCall, UsageReport } from '../types.ts';
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

/** Starts relaying; an error event or a dead stream before any content still throws here, where failover is possible. */
export async function relayNativeStream(up: AnthropicUpstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<StreamResult> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const s: SniffState = { raw: {}, seen: false, committed: false, done: false, error: null };
  const parser = createParser({ onEvent: sniff(s, up) });
  let held: Uint8Array[] = [];
  let failure: DvaraError | null = null;

  let settle!: (r: UsageReport) => void;
  const usage = new Promise<UsageReport>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (partial: boolean) => {
    if (settled) return;
    settled = true;
    const hasUsage = Object.keys(s.raw).length > 0;
    settle({ usage: hasUsage ? toUsage(s.raw) : null, partial });
  };

  /** One network read, kept in `held`; false when the upstream has ended or failed. */
  const readOnce = async (): Promise<boolean> => {
    try {
      const r = s.seen ? await reader.read() : await deadline.race(reader.read());
      if (r.done) {
        parser.feed(decoder.decode());
        return false;
      }
      held.push(r.value);
      parser.feed(decoder.decode(r.value, { stream: true }));
      if (s.seen) deadline.clear();
      return true;
    } catch (err) {
      if (!call.signal.aborted) failure = upstreamFailure(up, deadline, call, err);
      return false;
    }
  };

  let open = true;
  try {
    while (!s.committed && !s.error && (open = await readOnce()));
  } finally {
    deadline.clear();
    if (deadline.expired) reader.cancel().catch(() => {});
  }
  const early = s.error ?? failure ?? (!s.committed && !s.done && !open
    ? new ProviderError({ provider: up.name, failureClass: 'truncated', message: `Provider ${up.name} ended the stream before answering` })
    : null);
  if (early && !s.committed) {
    reader.cancel().catch(() => {});
    throw early;
  }

  const flush = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    for (const chunk of held) controller.enqueue(chunk);
    held = [];
  };
  const endOf = (controller: ReadableStreamDefaultController<Uint8Array>, ended: boolean) => {
    flush(controller);
    // The upstream's own error event already reached the client; a cut or a network failure did not.
    if (!s.done && !s.error) {
      const err = failure ?? new ProviderError({ provider: up.name, failureClass: 'truncated', message: `Provider ${up.name} ended the stream before it was complete` });
      if (ended) controller.enqueue(anthropicErrorEvent(err));
    }
    finish(!s.done);
    controller.close();
    if (!ended) reader.cancel().catch(() => {});
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!open || s.error) return endOf(controller, !open);
      flush(controller);
    },
    async pull(controller) {
      const more = await readOnce();
      if (!more || s.error) return endOf(controller, !more);
      flush(controller);
    },
    cancel() {
      finish(true);
      reader.cancel().catch(() => {});
    },
  });
  return { kind: 'stream', body, usage };
}
