import { ProviderError } from '../providers/errors.ts';
import type { ProviderAdapter, UpstreamCall } from '../providers/types.ts';
import type { Plan, Target } from '../routing/resolve.ts';
import { backoffDelay, parseRetryAfter } from '../traffic/retry.ts';
import { ClientClosedError } from '../providers/upstream-call.ts';
import type { RequestContext } from './context.ts';
import { DvaraError } from './errors.ts';

// One request's way through its targets. Targets are tried in the plan's order, skipping those whose circuit
// is open. A failure another target (or a later try) could fix, network errors, timeouts, 5xx, 429 and
// overload, rejected provider credentials, moves on to the next target; the client's own mistakes return at
// once and never count against a target. When every target failed, another round starts after a backoff
// with full jitter (at least the upstream's Retry-After), within the plan's round and attempt budgets.
// Streams commit at the adapter's first event, so a stream never fails over after bytes reached the client.

/** One step of the request's path, kept on the context for the response headers and the audit log. */
export interface Attempt {
  provider: string;
  model: string;
  outcome: 'ok' | 'failed' | 'circuit-open' | 'client-error';
  ms?: number;
  error?: string;
}

export type Send<R> = (adapter: ProviderAdapter, call: UpstreamCall, target: Target) => Promise<R>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ClientClosedError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientClosedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function allOpen(ctx: RequestContext, plan: Plan): DvaraError {
  const names = plan.targets.map((t) => `${t.adapter.name}/${t.model}`).join(', ');
  return new DvaraError('PROVIDER_UNAVAILABLE', `Every target for ${ctx.model ?? 'this model'} is unavailable: the circuit is open for ${names}. Retry later.`, {
    headers: { 'retry-after': '5' },
  });
}

export async function dispatch<R>(
  ctx: RequestContext,
  plan: Plan,
  includeUsage: boolean,
  signal: AbortSignal,
  send: Send<R>,
  rawBody?: string | Uint8Array,
): Promise<R> {
  const { targets, retry } = plan;
  const path: Attempt[] = (ctx.path = []);
  let lastError: unknown;
  let calls = 0;
  for (let round = 0; round <= retry.attempts; round++) {
    if (round > 0) {
      const retryAfter = lastError instanceof ProviderError ? parseRetryAfter(lastError.headers?.['retry-after']) : undefined;
      const wait = backoffDelay(retry, round, retryAfter);
      if (wait === null) break;
      await sleep(wait, signal);
    }
    let tried = 0;
    for (const target of targets) {
      if (calls >= retry.maxAttempts) break;
      const { health } = target;
      ctx.provider = target.adapter.name;
      ctx.model = target.model;
      if (!health.breaker.allow()) {
        path.push({ provider: target.adapter.name, model: target.model, outcome: 'circuit-open' });
        continue;
      }
      calls++;
      tried++;
      ctx.attempts = calls;
      const started = performance.now();
      const attempt = ctx.span.attempt(target.adapter.name, target.model, target.adapter.type);
      const call: UpstreamCall = {
        model: target.model,
        signal,
        includeUsage,
        traceId: ctx.traceId,
        // A target's own params change the body: the client's bytes no longer describe it.
        rawBody: target.params ? undefined : rawBody,
        timeouts: target.timeouts,
      };
      const traceparent = attempt.traceparent();
      if (traceparent) call.traceparent = traceparent;
      try {
        const result = await send(target.adapter, call, target);
        const ms = performance.now() - started;
        attempt.end({ status: 200 });
        health.breaker.success();
        health.recordLatency(ms);
        path.push({ provider: target.adapter.name, model: target.model, outcome: 'ok', ms });
        return result;
      } catch (err) {
        const ms = performance.now() - started;
        lastError = err;
        const message = err instanceof Error ? err.message : String(err);
        attempt.end({ error: message, status: err instanceof ProviderError ? err.upstreamStatus : undefined, errorType: err instanceof DvaraError ? err.code : undefined });
        if (!(err instanceof ProviderError) || !err.failoverEligible || signal.aborted) {
          health.breaker.release();
          path.push({ provider: target.adapter.name, model: target.model, outcome: 'client-error', ms, error: message });
          throw err;
        }
        health.breaker.failure();
        path.push({ provider: target.adapter.name, model: target.model, outcome: 'failed', ms, error: message });
      }
    }
    if (tried === 0 || calls >= retry.maxAttempts) break;
  }
  if (calls === 0) throw allOpen(ctx, plan);
  throw lastError;
}

/** A request body with a target's own params applied. */
export function withParams<B extends object>(body: B, target: Target): B {
  return target.params ? { ...body, ...target.params } : body;
}
