import type { JsonResult, NativeCall, NativeMessagesRequest, StreamResult } from '../types.ts';
import { ProviderError } from '../errors.ts';
import { callDeadline, readUpstreamText, type Deadline } from '../upstream-call.ts';
import { providerErrorFromEvent } from './errors.ts';
import { relayNativeStream } from './native-stream.ts';
import { toUsage } from './response.ts';
import { postJson, type AnthropicPath, type AnthropicUpstream } from './upstream.ts';
import type { AnthropicUsage } from './wire.ts';

// The native passthrough for the /v1/messages front door: Anthropic in, Anthropic out. The body goes
// upstream with only the model rewritten; the answer comes back as Anthropic's own bytes.

/**
 * The client's Anthropic headers that must reach the upstream; everything else (its key above all, and its
 * anthropic-version: the provider's configured one is sent instead) stays behind.
 */
const FORWARDED = new Set(['anthropic-beta']);

function clientHeaders(headers: Record<string, string>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (FORWARDED.has(name) && v) (out ??= {})[name] = v;
  }
  return out;
}

function notJson(up: AnthropicUpstream): ProviderError {
  return new ProviderError({ provider: up.name, failureClass: 'transient', message: `Provider ${up.name} returned a body that is not JSON` });
}

async function post(up: AnthropicUpstream, path: AnthropicPath, req: NativeMessagesRequest, call: NativeCall, deadline: Deadline): Promise<Response> {
  return postJson(up, path, JSON.stringify({ ...req, model: call.model }), call, deadline, clientHeaders(call.headers));
}

/** A complete JSON answer: forwarded as the upstream's text, parsed only to learn the usage and model. */
async function readNative(up: AnthropicUpstream, res: Response, call: NativeCall, deadline: Deadline): Promise<{ text: string; obj: Record<string, unknown> }> {
  const text = await readUpstreamText(up, res, call, deadline);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw notJson(up);
  }
  if (obj.type === 'error') throw providerErrorFromEvent(up.name, obj.error, up.redact);
  return { text, obj };
}

export async function nativeMessages(up: AnthropicUpstream, req: NativeMessagesRequest, call: NativeCall): Promise<JsonResult<unknown> | StreamResult> {
  const deadline = callDeadline(up, call);
  const res = await post(up, '/v1/messages', req, call, deadline);
  if (req.stream === true) return relayNativeStream(up, res, call, deadline);
  const { text, obj } = await readNative(up, res, call, deadline);
  return {
    kind: 'json',
    body: text,
    usage: toUsage(obj.usage as AnthropicUsage | undefined),
    model: typeof obj.model === 'string' ? obj.model : undefined,
  };
}

export async function nativeCountTokens(up: AnthropicUpstream, req: NativeMessagesRequest, call: NativeCall): Promise<JsonResult<{ input_tokens: number }>> {
  const deadline = callDeadline(up, call);
  const res = await post(up, '/v1/messages/count_tokens', req, call, deadline);
  const { text } = await readNative(up, res, call, deadline);
  // Counting is free and generates nothing: there is no usage to account.
  return { kind: 'json', body: text, usage: null };
}
