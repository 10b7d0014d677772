import type { StreamResult, UpstreamCall } from '../types.ts';
import { SseTranslation } from '../chunk-output.ts';
import { relaySse } from '../sse-relay.ts';
import { upstreamFailure, type Deadline } from '../upstream-call.ts';
import { newTranslateState, translateEvent } from './stream-translate.ts';
import type { GeminiUpstream } from './upstream.ts';
import type { ReplyShape } from './wire.ts';

/**
 * Starts translating Gemini's SSE into OpenAI chunks (the state machine is in stream-translate.ts). An error or
 * a blocked prompt before the first content still throws here, while failover is possible. Gemini sends no
 * terminal marker: a finished answer followed by the close is complete.
 */
export function translateStream(up: GeminiUpstream, res: Response, call: UpstreamCall, deadline: Deadline, shape: ReplyShape, expected: number): Promise<StreamResult> {
  const s = newTranslateState({ shape, includeUsage: call.includeUsage, provider: up.name, model: call.model, expected, fallbackId: `chatcmpl-${call.traceId}`, redact: up.redact });
  const session = new SseTranslation(s, translateEvent, up.name, call.traceId, true);
  return relaySse(res, call, deadline, session, (err) => upstreamFailure(up, deadline, call, err));
}
