import { createParser } from 'eventsource-parser';
import { DONE_EVENT, encodeSse, sseEvent } from '../../protocols/openai/sse.ts';
import { toOpenAIErrorBody } from '../../server/errors.ts';
import type { StreamResult, UpstreamCall, UsageReport } from '../types.ts';
import { ProviderError } from '../errors.ts';
import type { Deadline } from '../upstream-call.ts';
import { newTranslateState, translateEvent } from './stream-translate.ts';
import { upstreamFailure, type AnthropicUpstream } from './upstream.ts';
import type { ReplyShape } from './wire.ts';

// Reads an Anthropic SSE stream and serves it as OpenAI chat.completion.chunk SSE, translating as it arrives:
// everything translated from one network read goes out as one chunk.

/**
 * Starts translating. Reads until there is something worth sending (content, a tool call, the finish), so an
 * error event or a dead stream before that still throws here, while failover to another target is possible.
 */
export async function translateStream(up: AnthropicUpstream, res: Response, call: UpstreamCall, deadline: Deadline, shape: ReplyShape): Promise<StreamResult> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const s = newTranslateState({ shape, includeUsage: call.includeUsage, provider: up.name, model: call.model, fallbackId: `chatcmpl-${call.traceId}`, redact: up.redact });
  const parser = createParser({ onEvent: (ev) => translateEvent(s, ev) });

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
      // Until the first event the deadline applies; once anything arrived, a long think is not a timeout.
      const r = s.seen ? await reader.read() : await deadline.race(reader.read());
      if (r.done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
        return false;
      }
      parser.feed(decoder.decode(r.value, { stream: true }));
      if (s.seen) deadline.clear();
      return true;
    } catch (err) {
      if (!call.signal.aborted) s.error = upstreamFailure(up, deadline, call, err);
      return false;
    }
  };

  let open = true;
  try {
    while (!s.committed && !s.done && !s.error && (open = await readOnce()));
  } finally {
    deadline.clear();
    if (deadline.expired) reader.cancel().catch(() => {});
  }
  if (!s.committed && !s.done && !open && !s.error) {
    s.error = new ProviderError({ provider: up.name, failureClass: 'truncated', message: `Provider ${up.name} ended the stream before answering` });
  }
  // Nothing has reached the client yet: fail here, where failover to another target is still possible.
  if (s.error && !s.committed) {
    reader.cancel().catch(() => {});
    throw s.error;
  }

  const endOf = (controller: ReadableStreamDefaultController<Uint8Array>, ended: boolean) => {
    if (!s.done && !s.error && ended) {
      if (s.finished) s.out.push(DONE_EVENT); // the answer was complete; only message_stop went missing
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
      if (s.done || s.error) return endOf(controller, !open);
      if (s.out.length > 0) controller.enqueue(encodeSse(s.out.join('')));
      s.out = [];
    },
    async pull(controller) {
      // Keep reading until there is something to send: a read may hold only part of an event, or only
      // events that mean nothing to an OpenAI client (ping, block stops), and a pull that enqueues nothing
      // is not called again.
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
