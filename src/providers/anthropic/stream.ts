import type { StreamResult, UpstreamCall } from '../types.ts';
import { SseTranslation } from '../chunk-output.ts';
import { relaySse } from '../sse-relay.ts';
import type { Deadline } from '../upstream-call.ts';
import { newTranslateState, translateEvent } from './stream-translate.ts';
import { upstreamFailure, type AnthropicUpstream } from './upstream.ts';
import type { ReplyShape } from './wire.ts';

// Reads an Anthropic SSE stream and serves it as OpenAI chat.completion.chunk SSE, translating as it arrives
// (the state machine is in stream-translate.ts): everything translated from one network read goes out as one chunk.

/**
 * Starts translating. Reads until there is something worth sending (content, a tool call, the finish), so an
 * error event or a dead stream before that still throws here, while failover to another target is possible.
 */
export function translateStream(up: AnthropicUpstream, res: Response, call: UpstreamCall, deadline: Deadline, shape: ReplyShape): Promise<StreamResult> {
  const s = newTranslateState({ shape, includeUsage: call.includeUsage, provider: up.name, model: call.model, fallbackId: `chatcmpl-${call.traceId}`, redact: up.redact });
  return relaySse(res, call, deadline, new SseTranslation(s, translateEvent, up.name, call.traceId), (err) => upstreamFailure(up, deadline, call, err));
}
