import type { ChatCompletion, ChatRequest } from '../openai/types.ts';
import type { JsonResult, NativeCall, ProviderAdapter, StreamResult, UpstreamCall } from '../../providers/types.ts';
import type { Plan } from '../../routing/resolve.ts';
import { readJson } from '../../server/body.ts';
import type { RequestContext } from '../../server/context.ts';
import { admitted } from '../../server/admission.ts';
import { dispatch, withParams } from '../../server/dispatch.ts';
import { assertModelAllowed, type FrontDoorDeps } from '../openai/handlers.ts';
import { SSE_HEADERS } from '../openai/sse.ts';
import { anthropicHeaders } from './errors.ts';
import { estimateInputTokens } from './estimate.ts';
import { toAnthropicMessage } from './from-openai.ts';
import { translateStream } from './stream.ts';
import { toOpenAIRequest } from './to-openai.ts';
import type { MessagesBody } from './types.ts';
import { validateCountTokens, validateMessages, validateTranslatable } from './validate.ts';

// The Anthropic front door: POST /v1/messages and /v1/messages/count_tokens. Each target is served natively
// when its adapter speaks Anthropic (the body goes upstream with only the model rewritten, the answer comes
// back as is), else through the pivot: translated to Chat Completions, sent via `chat`, translated back.

/**
 * Client headers a native upstream must see: betas select API behaviour. The client's anthropic-version is not
 * among them: SDKs send their own newest date (the Python SDK 2.x a 2026 one), which a provider may not know, so
 * the upstream gets the version its provider config names (default 2023-06-01), which it accepts.
 */
const FORWARDED_HEADERS = ['anthropic-beta'] as const;

function nativeCall(req: Request, call: UpstreamCall): NativeCall {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const v = req.headers.get(name);
    if (v !== null) headers[name] = v;
  }
  return { ...call, headers };
}

async function accept(req: Request, ctx: RequestContext, deps: FrontDoorDeps, validate: (body: unknown) => MessagesBody) {
  const body = validate(await readJson(req, deps.maxBodySize));
  ctx.model = ctx.requestedModel = body.model;
  ctx.requestBody = body;
  const plan: Plan = deps.router.resolve(body.model);
  assertModelAllowed(ctx, body.model);
  return { body, plan };
}

function respond(ctx: RequestContext, result: JsonResult<unknown> | StreamResult): Response {
  if (result.kind === 'stream') return new Response(result.body, { headers: { ...SSE_HEADERS, ...anthropicHeaders(ctx) } });
  const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return new Response(text, { headers: { 'content-type': 'application/json', ...anthropicHeaders(ctx) } });
}

/** Serves one target through the pivot format. */
async function viaChat(adapter: ProviderAdapter, body: MessagesBody, chat: ChatRequest, call: UpstreamCall): Promise<JsonResult<unknown> | StreamResult> {
  const result = await adapter.chat({ ...chat, model: call.model }, call);
  const opts = { model: call.model, stopSequences: body.stop_sequences };
  if (result.kind === 'stream') return translateStream(result, { ...opts, traceId: call.traceId });
  // The adapter has parsed this text already; a string body is only the upstream's bytes kept verbatim.
  const completion = (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as ChatCompletion;
  return { kind: 'json', body: toAnthropicMessage(completion, opts), usage: result.usage, model: result.model };
}

export async function handleMessages(req: Request, ctx: RequestContext, deps: FrontDoorDeps): Promise<Response> {
  const { body, plan } = await accept(req, ctx, deps, validateMessages);
  let chat: ChatRequest | undefined; // translated once, on the first target that needs it
  // Translation always wants the usage chunk: message_delta reports usage whether or not a client asked.
  const result = await admitted(ctx, deps.gate, body, () =>
    dispatch<JsonResult<unknown> | StreamResult>(ctx, plan, true, req.signal, (adapter, call, target) => {
      if (adapter.messages) return adapter.messages({ ...withParams(body, target), model: call.model }, nativeCall(req, call));
      chat ??= toOpenAIRequest(validateTranslatable(body, adapter.name));
      return viaChat(adapter, body, withParams(chat, target), call);
    }),
  );
  return respond(ctx, result);
}

export async function handleCountTokens(req: Request, ctx: RequestContext, deps: FrontDoorDeps): Promise<Response> {
  const { body, plan } = await accept(req, ctx, deps, validateCountTokens);
  const result = await dispatch(ctx, plan, false, req.signal, async (adapter, call): Promise<JsonResult<unknown>> => {
    if (adapter.countTokens) return adapter.countTokens({ ...body, model: call.model }, nativeCall(req, call));
    return { kind: 'json', body: { input_tokens: estimateInputTokens(body) }, usage: null };
  });
  return respond(ctx, result);
}
