import type { Router } from '../../routing/resolve.ts';
import type { JsonResult, ProviderAdapter, StreamResult, UpstreamCall } from '../../providers/types.ts';
import { admitted, type Gate } from '../../server/admission.ts';
import { throughCache, type CacheLayer } from '../../server/cache-layer.ts';
import { dispatch, withParams } from '../../server/dispatch.ts';
import type { CacheEndpoint } from '../../traffic/cache-key.ts';
import { readJsonWithRaw } from '../../server/body.ts';
import { contextHeaders, jsonResponse, type RequestContext } from '../../server/context.ts';
import { DvaraError } from '../../server/errors.ts';
import { completeViaChat } from './completions-via-chat.ts';
import { SSE_HEADERS } from './sse.ts';
import { decodeTokenInputs, hasTokenInput } from './token-inputs.ts';
import { validateChat, validateCompletion, validateEmbedding } from './validate.ts';

// The OpenAI front door: validate, route, dispatch, respond. Nothing here knows any provider.

export interface FrontDoorDeps {
  router: Router;
  maxBodySize: number;
  gate: Gate;
  cache: CacheLayer | null;
}

export function assertModelAllowed(ctx: RequestContext, model: string): void {
  const allows = ctx.key?.allowsModel;
  if (allows && !allows(model)) {
    throw new DvaraError('POLICY_DENIED', `Key policy denies model ${model}: this key may use ${ctx.key!.record.models!.join(', ')}`, {
      param: 'model',
    });
  }
}

function unsupported(provider: string, what: string): DvaraError {
  return new DvaraError('INVALID_REQUEST', `Provider ${provider} does not support ${what}`, { param: 'model' });
}

function respond(ctx: RequestContext, result: JsonResult<unknown> | StreamResult): Response {
  if (result.kind === 'json') return jsonResponse(ctx, result.body);
  return new Response(result.body, { headers: { ...SSE_HEADERS, ...contextHeaders(ctx) } });
}

const wantsUsage = (b: { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null }) =>
  b.stream === true && b.stream_options?.include_usage === true;

type Send<B> = (adapter: ProviderAdapter, body: B, call: UpstreamCall) => Promise<JsonResult<unknown> | StreamResult>;

/**
 * One generation endpoint: validate the body, route its model, admit it under the key's limits, answer from the
 * cache or dispatch to the targets, respond. `cached` names the cache endpoint for those that may use it.
 */
function endpoint<B extends { model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean } | null }>(
  validate: (body: unknown) => B,
  send: Send<B>,
  cached?: CacheEndpoint,
) {
  return async (req: Request, ctx: RequestContext, deps: FrontDoorDeps): Promise<Response> => {
    const { body: json, raw } = await readJsonWithRaw(req, deps.maxBodySize);
    const body = validate(json);
    ctx.model = ctx.requestedModel = body.model;
    ctx.requestBody = raw ?? body;
    const plan = deps.router.resolve(body.model);
    assertModelAllowed(ctx, body.model);
    const run = () => dispatch(ctx, plan, wantsUsage(body), req.signal, (adapter, call, target) => send(adapter, withParams(body, target), call), raw);
    const result = await admitted(ctx, deps.gate, body, cached ? () => throughCache(deps.cache, req, ctx, plan, cached, body as Record<string, unknown>, run) : run);
    return respond(ctx, result);
  };
}

export const handleChat = endpoint(validateChat, (adapter, body, call) => adapter.chat(body, call), 'chat');

export const handleCompletion = endpoint(validateCompletion, (adapter, body, call) =>
  adapter.complete ? adapter.complete(body, call) : completeViaChat(adapter, body, call),
);

export const handleEmbedding = endpoint(validateEmbedding, async (adapter, body, call) => {
  if (!adapter.embed) throw unsupported(adapter.name, 'embeddings');
  if (!hasTokenInput(body) || adapter.embedsTokenIds) return adapter.embed(body, call);
  // Decoded text is a different body: the client's bytes must not be forwarded.
  return adapter.embed(await decodeTokenInputs(body), { ...call, rawBody: undefined });
}, 'embeddings');

/** GET /v1/models: what this key can route, computed from config once. */
export function handleListModels(ctx: RequestContext, router: Router, created: number): Response {
  const allows = ctx.key?.allowsModel;
  const data = router
    .listModels()
    .filter((m) => !allows || allows(m.id))
    .map((m) => ({ id: m.id, object: 'model', created, owned_by: m.provider }));
  return jsonResponse(ctx, { object: 'list', data });
}

/** GET /v1/models/{id}: any routable name, listed or not (`demo/anything` routes to a mock). */
export function handleGetModel(ctx: RequestContext, router: Router, id: string, created: number): Response {
  const target = router.firstTarget(id);
  const allows = ctx.key?.allowsModel;
  if (!target || (allows && !allows(id))) {
    throw new DvaraError('NOT_FOUND', `Model ${id} not found. GET /v1/models lists the models this key can use.`, { param: 'model' });
  }
  return jsonResponse(ctx, { id, object: 'model', created, owned_by: target.adapter.name });
}
