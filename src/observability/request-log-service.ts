import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Usage } from '../protocols/openai/types.ts';
import type { RequestContext } from '../server/context.ts';
import type { Store } from '../store/types.ts';
import { sqlitePath } from '../store/sqlite.ts';
import type { RequestRecord } from './record.ts';
import { log, logs } from './logger.ts';
import { UsageRecorder } from './recorder.ts';

// Turns a finished request's context into its row and hands it to the recorder: once the response is sent for a
// JSON answer or an error, once the stream settles for a stream (partial if it ended early). Costs come from the
// price book; a request whose provider reported no usage is recorded with Dvara's estimate, flagged as such.

export type CostOf = (provider: string, model: string, usage: Usage | null) => number | null;

export interface RequestLogService {
  recorder: UsageRecorder;
  /** Records the request (for generation endpoints; other paths are not logged). */
  record(ctx: RequestContext, req: Request, outcome: { status: number; errorCode: string | null; clientIp: string | null }): void;
  /** Resolves when every stream being recorded has settled, or after `maxMs`. */
  drained(maxMs: number): Promise<void>;
  close(): void;
}

export function createRequestLog(config: Config, store: Store, costOf: CostOf, onRecord?: (r: RequestRecord) => void): RequestLogService {
  const audit = config.audit;
  const dir = config.store.startsWith('sqlite:') && config.store !== 'sqlite::memory:' ? dirname(sqlitePath(config.store)) : '.';
  const recorder = new UsageRecorder(store.requestLog(audit?.hmac_key ?? null), { spillPath: audit?.spill_file ?? join(dir, 'dvara-usage.spill.jsonl') });
  const bodyTenants = new Set(audit?.bodies?.tenants ?? []);
  const maxBody = audit?.bodies?.max_size ?? 0;
  const decoder = new TextDecoder();
  /** A body as text, cut at the configured size (bodies are kept as references until now). */
  const cut = (body: unknown): string | null => {
    if (body === null || body === undefined) return null;
    const text = typeof body === 'string' ? body : body instanceof Uint8Array ? decoder.decode(body.subarray(0, maxBody)) : JSON.stringify(body);
    return text.length > maxBody ? text.slice(0, maxBody) : text;
  };
  // Retention: pruned once a day, a batch at a time (never a long lock on the gateway's writes).
  if (audit?.retention) {
    const retention = audit.retention;
    const prune = () => void store.requestLog(null).prune(Date.now() - retention).catch(() => {});
    setTimeout(prune, 60_000).unref?.();
    setInterval(prune, 86_400_000).unref?.();
  }

  function write(ctx: RequestContext, req: Request, status: number, errorCode: string | null, clientIp: string | null, usage: Usage | null, partial: boolean, estimated: boolean): void {
    const key = ctx.key?.record;
    const provider = ctx.provider;
    const model = ctx.model;
    const hit = ctx.cache === 'HIT';
    const record: RequestRecord = {
      ts: Date.now() - Math.round(performance.now() - ctx.startedAt),
      request_id: ctx.requestId,
      trace_id: ctx.traceId,
      session_id: ctx.sessionId,
      tenant: key?.tenant ?? null,
      key_id: key?.id ?? null,
      endpoint: ctx.endpoint!,
      protocol: ctx.protocol,
      model: ctx.requestedModel,
      provider,
      upstream_model: model,
      attempts: ctx.attempts,
      path: ctx.path && ctx.path.length > 0 ? JSON.stringify(ctx.path) : null,
      status,
      error_code: errorCode,
      stream: ctx.streamUsage !== null,
      latency_ms: Math.round((performance.now() - ctx.startedAt) * 100) / 100,
      ttft_ms: ctx.ttftMs === null ? null : Math.round(ctx.ttftMs * 100) / 100,
      // A cache hit used nothing upstream: zero tokens, zero cost (what it saved is the entry's own usage).
      prompt_tokens: hit ? 0 : (usage?.prompt_tokens ?? null),
      completion_tokens: hit ? 0 : (usage?.completion_tokens ?? null),
      cached_tokens: hit ? 0 : (usage?.prompt_tokens_details?.cached_tokens ?? (usage ? 0 : null)),
      reasoning_tokens: hit ? 0 : (usage?.completion_tokens_details?.reasoning_tokens ?? (usage ? 0 : null)),
      partial,
      estimated,
      cost_usd: hit ? 0 : usage && provider && model ? costOf(provider, model, usage) : null,
      cache_hit: hit,
      saved_cost_usd: hit && ctx.cachedUsage && provider && model ? costOf(provider, model, ctx.cachedUsage) : null,
      client_ip: clientIp,
      user_agent: req.headers.get('user-agent'),
    };
    const logBodies = maxBody > 0 && key && bodyTenants.has(key.tenant);
    // Stream answers are not kept as bodies (they would have to be buffered); their usage is.
    ctx.span.end(record);
    // The access log: off unless log_level is debug (it is one line per request).
    if (logs('debug')) {
      log('debug', 'request', {
        trace_id: record.trace_id, request_id: record.request_id, endpoint: record.endpoint, tenant: record.tenant, model: record.model,
        provider: record.provider, status: record.status, code: record.error_code, ms: record.latency_ms, attempts: record.attempts,
      });
    }
    recorder.add({ record, requestBody: logBodies ? cut(ctx.requestBody) : null, responseBody: logBodies && !record.stream ? cut(ctx.responseBody) : null });
    onRecord?.(record);
  }

  let pendingStreams = 0;
  return {
    recorder,
    record(ctx, req, { status, errorCode, clientIp }) {
      if (!ctx.endpoint) return;
      if (ctx.streamUsage) {
        pendingStreams++;
        void ctx.streamUsage.then((r) => {
          pendingStreams--;
          write(ctx, req, status, r.errorCode ?? errorCode, clientIp, r.usage, r.partial, false);
        });
        return;
      }
      write(ctx, req, status, errorCode, clientIp, ctx.usage, false, ctx.usageEstimated);
    },
    async drained(maxMs) {
      const until = performance.now() + maxMs;
      while (pendingStreams > 0 && performance.now() < until) await Bun.sleep(5);
    },
    close: () => recorder.close(),
  };
}
