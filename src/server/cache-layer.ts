import type { Config } from '../config/schema.ts';
import type { ChatCompletion } from '../protocols/openai/types.ts';
import type { JsonResult, StreamResult } from '../providers/types.ts';
import type { Plan } from '../routing/resolve.ts';
import { ResponseCache } from '../traffic/cache.ts';
import { cacheKey, type CacheEndpoint } from '../traffic/cache-key.ts';
import { recordStream, replayAsStream } from '../traffic/cache-replay.ts';
import { SqliteCacheBackend } from '../traffic/cache-sqlite.ts';
import type { RequestContext } from './context.ts';

// The exact-match response cache in front of chat completions and embeddings. Opt-in: for every request
// (`cache.enabled`), a route (`routes[].cache`), a tenant (`cache.tenants`) or one request (`X-Dvara-Cache: on`).
// A client's `X-Dvara-Cache: off` or `Cache-Control: no-store` keeps the request out of it entirely;
// `Cache-Control: no-cache` skips the lookup but stores the fresh answer. Errors and partial streams are never
// stored (recordStream keeps only streams that ended with [DONE]).

export interface CacheLayer {
  cache: ResponseCache;
  ttlMs: number;
  everything: boolean;
  tenants: ReadonlySet<string>;
  maxEntryBytes: number;
  close(): void;
}

/** `persist: true` keeps entries in the store's own SQLite file (its own table, its own connection). */
function persistPath(persist: boolean | string | undefined, store: string): SqliteCacheBackend | null {
  if (!persist) return null;
  if (typeof persist === 'string') return new SqliteCacheBackend(persist);
  return store.startsWith('sqlite:') ? new SqliteCacheBackend(store.slice('sqlite:'.length)) : null;
}

export function createCacheLayer(config: Config): CacheLayer | null {
  const c = config.cache;
  if (!c) return null;
  const backend = persistPath(c.persist, config.store);
  if (c.persist && !backend) throw new Error('cache.persist: true needs a SQLite store (store: sqlite:...); give a file path instead');
  const maxEntryBytes = c.max_entry_bytes ?? Math.floor(c.max_bytes / 8);
  return {
    cache: new ResponseCache({ maxEntries: c.max_entries, maxBytes: c.max_bytes, maxEntryBytes, backend: backend ?? undefined }),
    ttlMs: c.ttl,
    everything: c.enabled,
    tenants: new Set(c.tenants),
    maxEntryBytes,
    close: () => backend?.close(),
  };
}

interface Decision {
  key: string;
  read: boolean;
  ttlMs: number;
}

/** Whether and how this request uses the cache; null when it does not. */
function decide(layer: CacheLayer, req: Request, ctx: RequestContext, plan: Plan, endpoint: CacheEndpoint, body: Record<string, unknown>): Decision | null {
  const header = req.headers.get('x-dvara-cache')?.toLowerCase();
  const control = req.headers.get('cache-control')?.toLowerCase() ?? '';
  if (header === 'off' || control.includes('no-store')) return null;
  const tenant = ctx.key?.record.tenant ?? '';
  const routeOn = plan.cache?.enabled;
  const on = header === 'on' || routeOn === true || (routeOn !== false && (layer.everything || layer.tenants.has(tenant)));
  if (!on) return null;
  return { key: cacheKey(tenant, endpoint, body, String(body.model)), read: !control.includes('no-cache'), ttlMs: plan.cache?.ttl ?? layer.ttlMs };
}

type Result = JsonResult<unknown> | StreamResult;

/**
 * Serves a hit (JSON as stored, or replayed as a real SSE stream for a streaming request), or runs `call` and
 * stores a complete answer. Sets X-Cache on the context. Without a cache layer, just runs `call`.
 */
export async function throughCache(
  layer: CacheLayer | null,
  req: Request,
  ctx: RequestContext,
  plan: Plan,
  endpoint: CacheEndpoint,
  body: Record<string, unknown>,
  call: () => Promise<Result>,
): Promise<Result> {
  const d = layer ? decide(layer, req, ctx, plan, endpoint, body) : null;
  if (!layer || !d) return call();
  const now = Date.now();
  if (d.read) {
    const hit = layer.cache.get(d.key, now) ?? (layer.cache.persistent ? await layer.cache.load(d.key, now) : undefined);
    if (hit) {
      ctx.cache = 'HIT';
      ctx.cachedUsage = hit.usage;
      ctx.provider = hit.provider;
      ctx.model = hit.model;
      const stream = body.stream === true;
      if (stream) return replayAsStream(JSON.parse(hit.body) as ChatCompletion, (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true);
      // Served without an upstream call: nothing used upstream (the saved usage is the entry's).
      return { kind: 'json', body: hit.body, usage: null, model: hit.model };
    }
  }
  ctx.cache = 'MISS';
  const result = await call();
  const provider = ctx.provider ?? '';
  const store = (text: string, usage: JsonResult<unknown>['usage'], model: string) =>
    layer.cache.set(d.key, { body: text, usage, model, provider, createdAt: Date.now() }, d.ttlMs);
  if (result.kind === 'json') {
    store(typeof result.body === 'string' ? result.body : JSON.stringify(result.body), result.usage, result.model ?? ctx.model ?? '');
    return result;
  }
  return recordStream(result, (c) => store(JSON.stringify(c), c.usage ?? null, c.model), { maxBytes: layer.maxEntryBytes });
}
