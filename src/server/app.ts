import type { Server } from 'bun';
import type { Config } from '../config/schema.ts';
import { createAdapters } from '../providers/registry.ts';
import { Router } from '../routing/resolve.ts';
import type { Store } from '../store/types.ts';
import {
  handleChat,
  handleCompletion,
  handleEmbedding,
  handleGetModel,
  handleListModels,
  type FrontDoorDeps,
} from '../protocols/openai/handlers.ts';
import { handleCountTokens, handleMessages } from '../protocols/anthropic-messages/handlers.ts';
import { handleResponses } from '../protocols/responses/handlers.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { startRequestSpan, tracingEnabled } from '../observability/tracing.ts';
import { HealthRegistry } from '../traffic/health.ts';
import { adminGuard, handleAdminHealth } from './admin.ts';
import { handleAdminRequests } from './admin-requests.ts';
import { createGate } from './admission.ts';
import { createRequestLog, type CostOf } from '../observability/request-log-service.ts';
import type { UsageRecorder } from '../observability/recorder.ts';
import { PriceBook } from '../governance/pricing.ts';
import { createCacheLayer } from './cache-layer.ts';
import { anthropicErrorResponse } from '../protocols/anthropic-messages/errors.ts';
import { KeyAuthenticator } from './auth.ts';
import { errorResponse, jsonResponse, newContext, type RequestContext } from './context.ts';
import { asDvaraError, DvaraError } from './errors.ts';
import { ClientClosedError } from '../providers/upstream-call.ts';

export interface Gateway {
  server: Server<undefined>;
  url: string;
  router: Router;
  /** The request log's writer (flush() writes what is queued; depth and spill counts for /metrics). */
  recorder: UsageRecorder;
  /** Stops the gateway: waits up to `drainMs` for in-flight requests, then flushes the request log. */
  stop(drainMs?: number): Promise<void>;
}

type Handler = (req: Request, ctx: RequestContext) => Promise<Response> | Response;

/** The path of an absolute request URL without building a URL object. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const q = url.indexOf('?', start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}

/**
 * The API's own path for one a client built from a base URL that disagrees with the guide's: Spring AI appends
 * /v1/chat/completions to a base URL that already ends in /v1 (/v1/v1/...), and several clients leave /v1 out
 * (/chat/completions). Null when `path` is neither.
 */
export function canonicalApiPath(path: string): string | null {
  if (path.startsWith('/v1/v1/')) return path.slice(3);
  return /^\/(chat\/completions|completions|embeddings|responses|models|messages)(\/|$)/.test(path) ? `/v1${path}` : null;
}

/** Generation endpoints, whose requests are logged (with usage and cost), by path. */
const ENDPOINTS: Record<string, string> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count_tokens',
};

const isAnthropicPath = (path: string) => path === '/v1/messages' || path.startsWith('/v1/messages/');

/** Builds the request handler from compiled config: everything per request is lookups, no parsing. */
export function createHandler(config: Config, store: Store, auth: KeyAuthenticator) {
  const adapters = createAdapters(config);
  const health = new HealthRegistry();
  const router = new Router(config, adapters, health);
  const admin = adminGuard(config.admin?.token);
  const prices = new PriceBook(config.pricing);
  // The metrics read the recorder's queue and are fed each row the recorder is given (the closures run later).
  const metrics = new GatewayMetrics({ health, queueDepth: () => requestLog.recorder.depth, spilled: () => requestLog.recorder.spilled });
  // Self-hosted and offline providers charge nothing per token, whatever their models are called.
  const free = new Set([...adapters.values()].filter((a) => a.free).map((a) => a.name));
  const costOf: CostOf = (provider, model, usage) => (free.has(provider) ? (usage ? 0 : null) : prices.costOf(provider, model, usage));
  const requestLog = createRequestLog(config, store, costOf, (r) => {
    // A request stops being in flight when its row is written (a stream: when it ends).
    metrics.finished();
    metrics.record(r);
  });
  const requestLogReader = store.requestLog(null);
  const cache = createCacheLayer(config);
  const deps: FrontDoorDeps = { router, maxBodySize: config.server.max_body_size, gate: createGate(config), cache };
  const created = Math.floor(Date.now() / 1000);

  const authed =
    (h: Handler): Handler =>
    async (req, ctx) => {
      // Anthropic SDKs send the key as x-api-key; accepted everywhere, so one client config fits every path.
      const authorization = req.headers.get('authorization');
      ctx.key = await auth.authenticate(authorization, authorization ? null : req.headers.get('x-api-key'));
      return h(req, ctx);
    };

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/healthz': { GET: (_req, ctx) => jsonResponse(ctx, { status: 'ok' }) },
    '/readyz': {
      GET: async (_req, ctx) => {
        try {
          await store.ping();
          return jsonResponse(ctx, { status: 'ready' });
        } catch {
          return jsonResponse(ctx, { status: 'unavailable', reason: 'store unreachable' }, 503);
        }
      },
    },
    '/metrics': { GET: async () => new Response(await metrics.render(), { headers: { 'content-type': metrics.registry.contentType } }) },
    '/admin/requests': {
      GET: (req) => {
        admin(req);
        return handleAdminRequests(new URL(req.url), requestLogReader);
      },
    },
    '/admin/health': {
      GET: (req, ctx) => {
        admin(req);
        return handleAdminHealth(ctx, health);
      },
    },
    '/v1/chat/completions': { POST: authed((req, ctx) => handleChat(req, ctx, deps)) },
    '/v1/completions': { POST: authed((req, ctx) => handleCompletion(req, ctx, deps)) },
    '/v1/embeddings': { POST: authed((req, ctx) => handleEmbedding(req, ctx, deps)) },
    '/v1/responses': { POST: authed((req, ctx) => handleResponses(req, ctx, deps)) },
    '/v1/messages': { POST: authed((req, ctx) => handleMessages(req, ctx, deps)) },
    '/v1/messages/count_tokens': { POST: authed((req, ctx) => handleCountTokens(req, ctx, deps)) },
    '/v1/models': { GET: authed((_req, ctx) => handleListModels(ctx, router, created)) },
  };
  const getModel = authed((req, ctx) => {
    const path = pathOf(req.url);
    return handleGetModel(ctx, router, decodeURIComponent(path.slice(path.indexOf('/models/') + '/models/'.length)), created);
  });

  async function handle(req: Request, server?: { requestIP(r: Request): { address: string } | null }): Promise<Response> {
    const ctx = newContext(req);
    let path = pathOf(req.url);
    let res: Response;
    let errorCode: string | null = null;
    try {
      let route = routes[path];
      if (!route && !path.startsWith('/v1/models/')) {
        const alias = canonicalApiPath(path);
        if (alias) route = routes[(path = alias)];
      }
      const endpoint = ENDPOINTS[path];
      if (endpoint) {
        metrics.started();
        ctx.endpoint = endpoint;
        if (tracingEnabled()) ctx.span = startRequestSpan(req, { traceId: ctx.traceId, endpoint, model: null });
        if (endpoint === 'messages' || endpoint === 'count_tokens') ctx.protocol = 'anthropic';
      }
      let handler = route?.[req.method];
      if (!route && path.startsWith('/v1/models/') && req.method === 'GET') handler = getModel;
      if (!handler) {
        if (route) throw new DvaraError('INVALID_REQUEST', `Method ${req.method} is not allowed on ${path}`, { status: 405 });
        throw new DvaraError('NOT_FOUND', `Unknown path: ${req.method} ${path}`);
      }
      res = await handler(req, ctx);
    } catch (err) {
      errorCode = asDvaraError(err).code;
      // The client is gone: nobody reads this response, and it is not an error of Dvara's.
      if (err instanceof ClientClosedError || req.signal.aborted) res = new Response(null, { status: 499 });
      // Anthropic SDKs read errors in Anthropic's shape, including for unknown paths under their API.
      else res = isAnthropicPath(path) ? anthropicErrorResponse(ctx, err) : errorResponse(ctx, err);
      if (res.status === 499) errorCode = 'CLIENT_CLOSED';
    }
    if (ctx.endpoint) {
      requestLog.record(ctx, req, { status: res.status, errorCode, clientIp: server?.requestIP(req)?.address ?? null });
    }
    return res;
  }

  return {
    handle,
    router,
    recorder: requestLog.recorder,
    drainRecords: (maxMs: number) => requestLog.drained(maxMs),
    close: () => {
      cache?.close();
      requestLog.close();
    },
  };
}

export function startGateway(config: Config, store: Store, listen: { host: string; port: number }): Gateway {
  const auth = new KeyAuthenticator(store);
  const { handle, router, close, drainRecords, recorder } = createHandler(config, store, auth);
  const server = Bun.serve({
    hostname: listen.host,
    port: listen.port,
    // Generous backstop; the configured limit is enforced with a contract-shaped 413 in readJson.
    maxRequestBodySize: config.server.max_body_size * 2 + 1024 * 1024,
    // Model calls can be silent for minutes (reasoning, queues); the provider timeout governs instead.
    idleTimeout: 0,
    fetch: handle,
    error: () => new Response(JSON.stringify({ error: { message: 'Internal error', type: 'server_error', code: 'INTERNAL_ERROR' } }), { status: 500 }),
  });
  return {
    server,
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${server.port}`,
    router,
    recorder,
    async stop(drainMs = 0) {
      // Stop accepting; let in-flight requests finish (bounded), then close what is left.
      if (drainMs > 0) await Promise.race([server.stop(false), Bun.sleep(drainMs)]);
      await server.stop(true);
      auth.close();
      // Streams that just ended record their rows when their usage settles: give them a moment, then flush.
      await drainRecords(drainMs > 0 ? 2_000 : 50);
      close();
    },
  };
}
