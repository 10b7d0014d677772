import { ProviderError } from '../providers/errors.ts';
import type { ProviderAdapter, UpstreamCall } from '../providers/types.ts';
import type { Target } from '../routing/resolve.ts';
import type { RequestContext } from './context.ts';

/**
 * Tries the targets in order. A failure that another target could fix (network, 5xx, throttling, timeout,
 * bad provider credentials) moves on to the next; the client's own mistakes return at once.
 * Streams commit at the adapter's first event, so a stream never fails over after bytes reached the client.
 */
export async function dispatch<R>(
  ctx: RequestContext,
  targets: readonly Target[],
  includeUsage: boolean,
  signal: AbortSignal,
  send: (adapter: ProviderAdapter, call: UpstreamCall) => Promise<R>,
  rawBody?: string | Uint8Array,
): Promise<R> {
  let lastError: unknown;
  for (const target of targets) {
    ctx.provider = target.adapter.name;
    ctx.model = target.model;
    try {
      return await send(target.adapter, { model: target.model, signal, includeUsage, traceId: ctx.traceId, rawBody });
    } catch (err) {
      lastError = err;
      if (!(err instanceof ProviderError) || !err.failoverEligible || signal.aborted) throw err;
    }
  }
  throw lastError;
}
