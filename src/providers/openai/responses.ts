import type { EventSourceMessage } from 'eventsource-parser';
import type { Usage } from '../../protocols/openai/types.ts';
import type { DvaraError } from '../../server/errors.ts';
import type { JsonResult, NativeResponsesRequest, StreamResult, UpstreamCall } from '../types.ts';
import { PassthroughRelay, type StreamSniffer } from '../passthrough-relay.ts';
import { relaySse } from '../sse-relay.ts';
import { ProviderError } from '../errors.ts';
import { callDeadline, readUpstreamText, upstreamFailure } from '../upstream-call.ts';
import { providerErrorFromEvent } from './errors.ts';
import { postJson, type Upstream } from './upstream.ts';

// The native /v1/responses passthrough for OpenAI itself: the client's body goes upstream with only the model
// rewritten, and the answer (JSON or typed SSE events) comes back as OpenAI's own bytes, with usage read on the side.

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

/** Responses usage → the pivot's (Chat Completions) usage, for accounting. */
export function fromResponsesUsage(u: ResponsesUsage | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const prompt = u.input_tokens ?? 0;
  const completion = u.output_tokens ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.total_tokens ?? prompt + completion };
  usage.prompt_tokens_details = { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 };
  usage.completion_tokens_details = { reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0 };
  return usage;
}

const encoder = new TextEncoder();
/** Events before any output: an error after them can still fail over. */
const PRELUDE = new Set(['response.created', 'response.in_progress', 'response.queued']);

class ResponsesSniffer implements StreamSniffer {
  seen = false;
  committed = false;
  done = false;
  error: DvaraError | null = null;
  private last: Usage | null = null;

  constructor(private readonly up: Upstream) {}

  onEvent(ev: EventSourceMessage): void {
    this.seen = true;
    const type = ev.event;
    if (type && PRELUDE.has(type)) return;
    if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed' || type === 'error') {
      let data: Record<string, any>;
      try {
        data = JSON.parse(ev.data) as Record<string, any>;
      } catch {
        return;
      }
      if (type === 'error') {
        this.error = providerErrorFromEvent(this.up.name, data, this.up.redact);
        return;
      }
      this.last = fromResponsesUsage(data.response?.usage);
      this.done = true;
    }
    this.committed = true;
  }

  usage() {
    return this.last;
  }

  errorEvent(err: DvaraError): Uint8Array {
    return encoder.encode(`event: error\ndata: ${JSON.stringify({ type: 'error', code: err.code, message: err.message, param: null })}\n\n`);
  }
}

export async function nativeResponses(up: Upstream, req: NativeResponsesRequest, call: UpstreamCall): Promise<JsonResult<unknown> | StreamResult> {
  const deadline = callDeadline(up, call);
  const body = call.rawBody && req.model === call.model ? call.rawBody : JSON.stringify({ ...req, model: call.model });
  const res = await postJson(up, 'responses', body, call, deadline);
  if (req.stream === true) {
    return relaySse(res, call, deadline, new PassthroughRelay(new ResponsesSniffer(up), up.name), (err) => upstreamFailure(up, deadline, call, err));
  }
  const text = await readUpstreamText(up, res, call, deadline);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProviderError({ provider: up.name, failureClass: 'transient', message: `Provider ${up.name} returned a body that is not JSON` });
  }
  if (obj.error && !obj.output) throw providerErrorFromEvent(up.name, obj.error, up.redact);
  // Forwarded as OpenAI's own text; parsed only for usage and the model.
  return { kind: 'json', body: text, usage: fromResponsesUsage(obj.usage as ResponsesUsage), model: typeof obj.model === 'string' ? obj.model : undefined };
}
