import type { ChatCompletion, ChatRequest } from '../openai/types.ts';
import type { JsonResult, ProviderAdapter, StreamResult, UpstreamCall } from '../../providers/types.ts';
import { readJsonWithRaw } from '../../server/body.ts';
import { contextHeaders, jsonResponse, type RequestContext } from '../../server/context.ts';
import { admitted } from '../../server/admission.ts';
import { dispatch, withParams } from '../../server/dispatch.ts';
import { assertModelAllowed, type FrontDoorDeps } from '../openai/handlers.ts';
import { SSE_HEADERS } from '../openai/sse.ts';
import { newResponseId, toResponse } from './from-chat.ts';
import { translateStream } from './stream.ts';
import { toChatRequest } from './to-chat.ts';
import type { ResponsesRequest } from './types.ts';
import { validateResponses, validateTranslatable } from './validate.ts';

// The OpenAI Responses front door: POST /v1/responses. OpenAI itself is served natively (its own body and
// events, stored responses and built-in tools included); every other provider through the pivot: the request
// translated to Chat Completions, sent via `chat`, and the answer (or its chunk stream) translated back.

function respond(ctx: RequestContext, result: JsonResult<unknown> | StreamResult): Response {
  if (result.kind === 'json') return jsonResponse(ctx, result.body);
  return new Response(result.body, { headers: { ...SSE_HEADERS, ...contextHeaders(ctx) } });
}

async function viaChat(adapter: ProviderAdapter, body: ResponsesRequest, chat: ChatRequest, call: UpstreamCall): Promise<JsonResult<unknown> | StreamResult> {
  // The client's bytes are a Responses body: never forwarded as a chat body.
  const result = await adapter.chat({ ...chat, model: call.model }, { ...call, rawBody: undefined });
  if (result.kind === 'stream') return translateStream(result, body, { id: newResponseId(), createdAt: Math.floor(Date.now() / 1000), model: call.model });
  const completion = (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as ChatCompletion;
  return { kind: 'json', body: toResponse(body, completion), usage: result.usage, model: result.model };
}

export async function handleResponses(req: Request, ctx: RequestContext, deps: FrontDoorDeps): Promise<Response> {
  const { body: json, raw } = await readJsonWithRaw(req, deps.maxBodySize);
  const body = validateResponses(json);
  ctx.model = ctx.requestedModel = body.model;
  ctx.requestBody = raw ?? body;
  const plan = deps.router.resolve(body.model);
  assertModelAllowed(ctx, body.model);
  let chat: ChatRequest | undefined; // translated once, on the first target that needs it
  // The Responses API always reports usage at the end, so translation always asks for it.
  const result = await admitted(ctx, deps.gate, body, () =>
    dispatch<JsonResult<unknown> | StreamResult>(
      ctx,
      plan,
      true,
      req.signal,
      (adapter, call, target) => {
        if (adapter.responses) return adapter.responses(withParams(body, target), call);
        chat ??= toChatRequest(validateTranslatable(body, adapter.name));
        return viaChat(adapter, body, withParams(chat, target), call);
      },
      raw,
    ),
  );
  return respond(ctx, result);
}
