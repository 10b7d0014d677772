import type { Attempt } from './dispatch.ts';
import type { Usage } from '../protocols/openai/types.ts';
import type { UsageReport } from '../providers/types.ts';
import { noopRequestSpan, type RequestSpan } from '../observability/tracing.ts';
import { log } from '../observability/logger.ts';
import type { AuthedKey } from './auth.ts';
import { asDvaraError, toOpenAIErrorBody, type DvaraError } from './errors.ts';

/** Everything known about one request as it passes through the gateway. */
export interface RequestContext {
  requestId: string;
  traceId: string;
  sessionId: string | null;
  startedAt: number;
  key: AuthedKey | null;
  /** The provider and upstream model that answered (or were last tried). */
  provider: string | null;
  model: string | null;
  /** Upstream calls made for this request (retries and failovers included). */
  attempts: number;
  /** Every target tried, in order, and what happened (for the audit log). */
  path: Attempt[] | null;
  /** Whether the response cache answered (HIT) or was consulted and missed (MISS). */
  cache: 'HIT' | 'MISS' | null;
  /** A hit's stored usage: what the answer used when it was made upstream. */
  cachedUsage: Usage | null;
  /** The model name the client asked for (ctx.model becomes the upstream model that answered). */
  requestedModel: string | null;
  /** The generation endpoint (chat, messages, ...) and the client's protocol; null for other paths (not logged). */
  endpoint: string | null;
  protocol: 'openai' | 'anthropic';
  /** The answer's usage (JSON), or its settlement (streams); set when an answer was produced. */
  usage: Usage | null;
  usageEstimated: boolean;
  streamUsage: Promise<UsageReport> | null;
  /** Time until a stream's first byte was ready. */
  ttftMs: number | null;
  /** The request's OpenTelemetry span (a shared no-op unless tracing is configured). */
  span: RequestSpan;
  /** The request and JSON response bodies (references, serialised only if body logging is on for the tenant). */
  requestBody: unknown;
  responseBody: unknown;
  /** OpenAI's x-ratelimit-* headers for this request's limits, when any apply. */
  rateHeaders: Readonly<Record<string, string>> | null;
}

const TRACE_ID = /^[\w.:\-/]{1,128}$/;

export function newContext(req: Request): RequestContext {
  const given = req.headers.get('x-trace-id');
  return {
    requestId: `req_${Bun.randomUUIDv7('hex').replaceAll('-', '')}`,
    // A client's trace id is kept as long as it is safe to echo in a header and a log line.
    traceId: given && TRACE_ID.test(given) ? given : crypto.randomUUID().replaceAll('-', ''),
    sessionId: req.headers.get('x-session-id'),
    startedAt: performance.now(),
    key: null,
    provider: null,
    model: null,
    attempts: 0,
    path: null,
    rateHeaders: null,
    cache: null,
    cachedUsage: null,
    requestedModel: null,
    endpoint: null,
    protocol: 'openai',
    usage: null,
    usageEstimated: false,
    streamUsage: null,
    ttftMs: null,
    requestBody: null,
    responseBody: null,
    span: noopRequestSpan,
  };
}

/** Headers every response carries. */
export function contextHeaders(ctx: RequestContext): Record<string, string> {
  const base: Record<string, string> = {
    'x-request-id': ctx.requestId,
    'x-trace-id': ctx.traceId,
    'x-dvara-provider': ctx.provider ?? 'none',
    'x-dvara-model': ctx.model ?? 'none',
    'x-dvara-attempts': String(ctx.attempts),
  };
  if (ctx.cache) base['x-cache'] = ctx.cache;
  return ctx.rateHeaders ? { ...base, ...ctx.rateHeaders } : base;
}

export function jsonResponse(ctx: RequestContext, body: unknown, status = 200): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...contextHeaders(ctx) },
  });
}

export function errorResponse(ctx: RequestContext, err: unknown): Response {
  const e: DvaraError = asDvaraError(err);
  if (e.code === 'INTERNAL_ERROR') logInternal(ctx, err);
  return new Response(JSON.stringify(toOpenAIErrorBody(e, ctx.traceId)), {
    status: e.status,
    headers: { 'content-type': 'application/json', ...contextHeaders(ctx), ...e.headers },
  });
}

/** Bugs are logged with the trace id (the client only sees the id), never with request bodies or keys. */
export function logInternal(ctx: RequestContext, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  log('error', 'internal error', { trace_id: ctx.traceId, request_id: ctx.requestId, error: detail });
}
