import { DvaraError, type ErrorCode } from '../server/errors.ts';

/**
 * What retry and failover do with a failure:
 * - client: the caller's own mistake (bad request, context too long); never retried, never failed over.
 * - auth: the provider refused Dvara's credentials; another target may still work.
 * - throttled: the provider is rate limiting Dvara; retry later or elsewhere.
 * - transient: 5xx, network errors; retry or fail over.
 * - timeout: no answer in time; fail over.
 * - truncated: the stream ended without its terminal marker.
 */
export type FailureClass = 'client' | 'auth' | 'throttled' | 'transient' | 'timeout' | 'truncated';

export interface ProviderErrorInit {
  provider: string;
  failureClass: FailureClass;
  message: string;
  code?: ErrorCode;
  status?: number;
  upstreamStatus?: number;
  param?: string | null;
  type?: string;
  retryAfter?: string;
}

export class ProviderError extends DvaraError {
  readonly provider: string;
  readonly failureClass: FailureClass;
  readonly upstreamStatus: number | undefined;

  constructor(init: ProviderErrorInit) {
    const code = init.code ?? (init.failureClass === 'timeout' ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR');
    super(code, init.message, {
      status: init.status,
      param: init.param,
      type: init.type,
      headers: init.retryAfter ? { 'retry-after': init.retryAfter } : undefined,
    });
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.failureClass = init.failureClass;
    this.upstreamStatus = init.upstreamStatus;
  }

  /** Whether another target (or a retry) could succeed where this one failed. */
  get failoverEligible(): boolean {
    return this.failureClass !== 'client';
  }
}
