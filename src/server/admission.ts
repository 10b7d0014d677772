import type { Config } from '../config/schema.ts';
import type { JsonResult, StreamResult } from '../providers/types.ts';
import { MemoryCounterStore } from '../traffic/counter-store.ts';
import { RateLimiter, type Admission, type LimitPolicy } from '../traffic/rate-limit.ts';
import { estimateCompletionTokens, estimatePromptTokens, loadTokenizer, type BodyShape } from '../traffic/token-estimate.ts';
import type { RequestContext } from './context.ts';

// What stands between an authenticated request and its upstream call: the rate limiter (requests counted and
// tokens reserved from an estimate before the call, reconciled with the exact usage after it).

const SHAPES: Record<string, BodyShape> = { chat: 'chat', messages: 'chat', completions: 'completions', embeddings: 'embeddings', responses: 'responses' };

export interface Gate {
  limiter: RateLimiter;
  defaultMaxTokens: number;
}

export function createGate(config: Config): Gate {
  const l = config.limits;
  const policy: LimitPolicy = { keyDefaults: l?.key_defaults, tenantDefaults: l?.tenant_defaults, tenants: l?.tenants };
  // The tokenizer is large: loaded at start only when some token limit could apply.
  const tokenLimits = [l?.key_defaults, l?.tenant_defaults, ...Object.values(l?.tenants ?? {})].some((x) => x?.tpm || x?.tpd);
  if (tokenLimits) void loadTokenizer();
  return { limiter: new RateLimiter(new MemoryCounterStore(), policy), defaultMaxTokens: l?.default_max_tokens ?? 1024 };
}

/**
 * Runs `call` under the request's limits: admits it (429 RATE_LIMITED otherwise), puts the x-ratelimit-* headers
 * on the context, and charges the exact usage once known (at once for JSON, when a stream ends for streams; a
 * failed call is charged nothing but its request).
 */
export async function admitted<R extends JsonResult<unknown> | StreamResult>(ctx: RequestContext, gate: Gate, body: object, call: () => Promise<R>): Promise<R> {
  const key = ctx.key;
  let admission: Admission | null = null;
  if (key) {
    const pending = gate.limiter.admit({
      keyId: key.record.id,
      tenant: key.record.tenant,
      record: key.record,
      estimate: () => {
        // The endpoint says what the body is (a Responses body with a string input looks like embeddings).
        const shape = SHAPES[ctx.endpoint ?? ''];
        return { prompt: estimatePromptTokens(body, shape), completion: estimateCompletionTokens(body, gate.defaultMaxTokens, shape) };
      },
    });
    admission = pending instanceof Promise ? await pending : pending;
    if (admission.reservedTokens > 0 || Object.keys(admission.headers).length > 0) ctx.rateHeaders = admission.headers;
  }
  let result: R;
  try {
    result = await call();
  } catch (err) {
    void admission?.reconcile({ total_tokens: 0 }, false);
    throw err;
  }
  // What the request log records once the answer ends.
  if (result.kind === 'json') {
    ctx.usage = result.usage;
    ctx.responseBody = result.body;
    ctx.usageEstimated = result.usageEstimated === true;
  } else {
    ctx.streamUsage = result.usage;
    ctx.ttftMs = performance.now() - ctx.startedAt;
  }
  if (admission && admission.reservedTokens > 0) {
    // A cache hit used nothing upstream: its tokens are not charged.
    if (ctx.cache === 'HIT') void admission.reconcile({ total_tokens: 0 }, false);
    else if (result.kind === 'json') void admission.reconcile(result.usage, false);
    else void result.usage.then((u) => admission.reconcile(u.usage, u.partial));
  }
  return result;
}
