import type { EventSourceMessage } from 'eventsource-parser';
import type { StreamResult, UpstreamCall } from '../types.ts';
import { ChunkSession, relaySse } from '../sse-relay.ts';
import { upstreamFailure, type Deadline } from '../upstream-call.ts';
import { newTranslateState, translateEvent, type TranslateState } from './stream-translate.ts';
import type { GeminiUpstream } from './upstream.ts';
import type { ReplyShape } from './wire.ts';

/** The session that turns Gemini's SSE events into OpenAI chunks (the state machine is in stream-translate.ts). */
class GeminiTranslation extends ChunkSession {
  // Gemini sends no terminal marker: a finished answer followed by the close is complete.
  protected override readonly endsAtClose = true;

  constructor(
    private readonly s: TranslateState,
    up: GeminiUpstream,
    call: UpstreamCall,
  ) {
    super(s, up.name, call.traceId);
  }

  get seen() {
    return this.s.seen;
  }
  get committed() {
    return this.s.committed;
  }
  onEvent(ev: EventSourceMessage): void {
    translateEvent(this.s, ev);
  }
}

/** Starts translating; an error or a blocked prompt before the first content still throws here (failover possible). */
export function translateStream(up: GeminiUpstream, res: Response, call: UpstreamCall, deadline: Deadline, shape: ReplyShape, expected: number): Promise<StreamResult> {
  const s = newTranslateState({ shape, includeUsage: call.includeUsage, provider: up.name, model: call.model, expected, fallbackId: `chatcmpl-${call.traceId}`, redact: up.redact });
  return relaySse(res, call, deadline, new GeminiTranslation(s, up, call), (err) => upstreamFailure(up, deadline, call, err));
}
