import type { EventSourceMessage } from 'eventsource-parser';
import { DONE_EVENT, sseEvent } from '../../protocols/openai/sse.ts';
import type { StreamResult, UpstreamCall } from '../types.ts';
import { ChunkSession, relaySse, type ChunkState } from '../sse-relay.ts';
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

interface RelayState extends ChunkState {
  /** Data events queued for the client; the first commits the stream. */
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

/** The OpenAI-format relay: events pass through (rewritten only where a quirk or usage needs it). */
class OpenAIRelay extends ChunkSession {
  readonly onEvent;

  constructor(
    private readonly s: RelayState,
    up: Upstream,
    call: UpstreamCall,
  ) {
    super(s, up.name, call.traceId);
    this.onEvent = eventHandler(up, call, s);
  }

  get seen() {
    return this.s.events > 0 || this.s.done;
  }
  get committed() {
    return this.s.events > 0;
  }

  // Keep-alives (DeepSeek while queued) keep proxies between Dvara and the client from timing out.
  onComment = (c: string) => {
    this.s.out.push(`:${c}\n\n`);
  };
}

/**
 * Starts relaying. Reads until the first event so an error sent inside a 200 (or a stream that dies
 * before saying anything) still throws here, while failover to another target is possible.
 */
export function relayStream(up: Upstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<StreamResult> {
  const state: RelayState = { out: [], usage: null, done: false, finished: false, error: null, events: 0 };
  return relaySse(res, call, deadline, new OpenAIRelay(state, up, call), (err) => upstreamFailure(up, deadline, call, err));
}
