import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DONE_EVENT, encodeSse, sseEvent } from '../../protocols/openai/sse.ts';
import type { Usage } from '../../protocols/openai/types.ts';
import { toOpenAIErrorBody, type DvaraError } from '../../server/errors.ts';
import type { StreamResult, UpstreamCall, UsageReport } from '../types.ts';
import { ProviderError } from '../errors.ts';
import { providerErrorFromEvent } from './errors.ts';
import { normalizeChoices, normalizeUsage } from './normalize.ts';
import type { Deadline } from '../upstream-call.ts';
import { upstreamFailure, type Upstream } from './upstream.ts';

// Relays an OpenAI-format SSE stream from a compatible upstream, event by event, as it arrives.
// Most events pass through as their original text; only events that carry usage, an error or a
// provider quirk are parsed. Everything read in one network chunk goes out in one chunk, so the
// upstream's timing and chunk boundaries reach the client unchanged.

const HAS_USAGE = /"usage"\s*:\s*\{/;
const HAS_FINISH = /"finish_reason"\s*:\s*"/;

interface RelayState {
  out: string[];
  usage: Usage | null;
  done: boolean;
  finished: boolean;
  error: DvaraError | null;
  events: number;
}

function eventHandler(up: Upstream, call: UpstreamCall, s: RelayState) {
  const preset = up.preset;
  /** Queues a data event for the client; `events` counts them so the relay knows when it has committed. */
  const emit = (text: string) => {
    s.out.push(text);
    s.events++;
  };
  return (ev: EventSourceMessage) => {
    if (s.done || s.error) return;
    let data = ev.data;
    // `"usage":null` on every chunk exists only because Dvara asked for usage; a client that did not ask never
    // sees it. Quotes inside JSON strings are escaped, so this text can only be the structural field.
    if (!call.includeUsage && data.includes('"usage":null')) data = data.replace(',"usage":null', '').replace('"usage":null,', '');
    if (data === '[DONE]') {
      s.done = true;
      s.out.push(DONE_EVENT);
      return;
    }
    const hasUsage = HAS_USAGE.test(data) || (preset.usageInChoices && data.includes('"usage"'));
    const hasFinish = HAS_FINISH.test(data);
    if (hasFinish) s.finished = true;
    const needsParse = hasUsage || data.includes('"error"') || data.includes('"id":""') || (hasFinish && preset.finishReasons);
    if (!needsParse) return emit(`data: ${data}\n\n`);
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return emit(`data: ${data}\n\n`);
    }
    if (obj.error && !obj.choices) {
      s.error = providerErrorFromEvent(up.name, obj.error, up.redact);
      return;
    }
    let changed = normalizeChoices(obj, preset);
    if (obj.usage && typeof obj.usage === 'object') {
      s.usage = normalizeUsage(obj.usage);
      if (!call.includeUsage) {
        // The gateway asked for usage for its own accounting; a client that did not ask never sees it.
        if (Array.isArray(obj.choices) && obj.choices.length === 0) return;
        delete obj.usage;
        changed = true;
      }
    }
    emit(changed ? sseEvent(obj) : `data: ${data}\n\n`);
  };
}

/**
 * Starts relaying. Reads until the first event so an error sent inside a 200 (or a stream that dies
 * before saying anything) still throws here, while failover to another target is possible.
 */
export async function relayStream(up: Upstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<StreamResult> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const s: RelayState = { out: [], usage: null, done: false, finished: false, error: null, events: 0 };
  const parser = createParser({
    onEvent: eventHandler(up, call, s),
    onComment: (c) => s.out.push(`:${c}\n\n`), // keep-alives (DeepSeek while queued) keep proxies from timing out
  });

  let settle!: (r: UsageReport) => void;
  const usage = new Promise<UsageReport>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (partial: boolean) => {
    if (settled) return;
    settled = true;
    settle({ usage: s.usage, partial });
  };

  /** One network read; false when the upstream has ended. Failures become `s.error`. */
  const readOnce = async (): Promise<boolean> => {
    try {
      // Until the first event the deadline applies; an expired wait cancels the read (and the upstream call).
      const r = settledFirst ? await reader.read() : await deadline.race(reader.read());
      if (r.done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
        return false;
      }
      parser.feed(decoder.decode(r.value, { stream: true }));
      return true;
    } catch (err) {
      if (!call.signal.aborted) s.error = upstreamFailure(up, deadline, call, err);
      return false;
    }
  };

  let open = true;
  let settledFirst = false;
  try {
    while (s.events === 0 && !s.done && !s.error && (open = await readOnce()));
  } finally {
    settledFirst = true;
    deadline.clear();
    if (deadline.expired) reader.cancel().catch(() => {});
  }
  if (s.events === 0 && !s.done && !open && !s.error) {
    s.error = new ProviderError({ provider: up.name, failureClass: 'truncated', message: `Provider ${up.name} ended the stream without sending anything` });
  }
  // Nothing has reached the client yet: fail here, where failover to another target is still possible.
  if (s.error && s.events === 0) {
    reader.cancel().catch(() => {});
    throw s.error;
  }

  const endOf = (controller: ReadableStreamDefaultController<Uint8Array>, ended: boolean) => {
    if (!s.done && !s.error && ended) {
      if (s.finished) s.out.push(DONE_EVENT); // a server that omits [DONE] after a finished answer
      else s.error = new ProviderError({ provider: up.name, failureClass: 'truncated', message: `Provider ${up.name} ended the stream before it was complete` });
    }
    if (s.error) s.out.push(sseEvent(toOpenAIErrorBody(s.error, call.traceId)));
    if (s.out.length > 0) controller.enqueue(encodeSse(s.out.join('')));
    s.out = [];
    finish(s.error !== null || !s.done);
    controller.close();
    if (!ended) reader.cancel().catch(() => {});
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (s.done || s.error) return endOf(controller, false);
      if (s.out.length > 0) controller.enqueue(encodeSse(s.out.join('')));
      s.out = [];
    },
    async pull(controller) {
      // Keep reading until there is something to send: a read may hold only part of an event, or only
      // the usage chunk the client did not ask for, and a pull that enqueues nothing is not called again.
      while (!settled) {
        const more = await readOnce();
        if (!more || s.done || s.error) return endOf(controller, !more);
        if (s.out.length > 0) {
          controller.enqueue(encodeSse(s.out.join('')));
          s.out = [];
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
