import { ProviderError } from '../errors.ts';
import { TranslationSession } from '../chunk-output.ts';
import { relayStream, type RelayInput } from '../sse-relay.ts';
import type { StreamResult, UpstreamCall } from '../types.ts';
import { upstreamFailure, type Deadline } from '../upstream-call.ts';
import { providerErrorFromException } from './errors.ts';
import { EventStreamDecoder, EventStreamError, type EventStreamMessage } from './eventstream.ts';
import { newTranslateState, translateEvent, type TranslateState } from './stream-translate.ts';
import type { BedrockUpstream } from './upstream.ts';
import type { ReplyShape } from './wire.ts';

// Reads a ConverseStream (binary eventstream frames) and serves it as OpenAI chat.completion.chunk SSE, through
// the same relay as every other stream: held until the first content (failover is still possible before it),
// one write per network read, usage settled on every exit.

const utf8 = new TextDecoder();

class BedrockTranslation extends TranslationSession<TranslateState> {
  constructor(
    s: TranslateState,
    private readonly up: BedrockUpstream,
    call: UpstreamCall,
  ) {
    super(s, up.name, call.traceId);
  }

  onMessage(m: EventStreamMessage): void {
    const type = m.headers[':message-type'];
    const payload = utf8.decode(m.payload);
    if (type === 'exception' || type === 'error') {
      this.s.seen = true;
      const name = String(m.headers[':exception-type'] ?? m.headers[':error-code'] ?? 'InternalServerException');
      const text = type === 'error' ? JSON.stringify({ message: String(m.headers[':error-message'] ?? '') }) : payload;
      this.s.error ??= providerErrorFromException(this.up.name, name, text, this.up.redact);
      return;
    }
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return; // not an event Dvara understands
    }
    translateEvent(this.s, String(m.headers[':event-type'] ?? ''), data);
  }
}

function frameInput(session: BedrockTranslation): RelayInput {
  const decoder = new EventStreamDecoder();
  return {
    feed: (bytes) => {
      for (const m of decoder.push(bytes)) session.onMessage(m);
    },
    end: () => {}, // a partial frame left over is a cut stream; the session's end says so
  };
}

/** Starts translating; an exception frame or a dead stream before the first content still throws here. */
export function translateStream(up: BedrockUpstream, res: Response, call: UpstreamCall, deadline: Deadline, shape: ReplyShape): Promise<StreamResult> {
  const s = newTranslateState({ shape, includeUsage: call.includeUsage, model: call.model, id: `chatcmpl-${call.traceId}` });
  const session = new BedrockTranslation(s, up, call);
  const failureOf = (err: unknown) =>
    err instanceof EventStreamError
      ? new ProviderError({ provider: up.name, failureClass: 'transient', message: `Provider ${up.name} sent a corrupt event stream: ${err.message}` })
      : upstreamFailure(up, deadline, call, err);
  return relayStream(res, call, deadline, session, failureOf, frameInput(session));
}
