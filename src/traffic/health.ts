import { CircuitBreaker, type BreakerOptions } from './breaker.ts';

// What the gateway knows about each target's recent behaviour: its circuit breaker, and an exponentially
// weighted moving average of its latency (for the least-latency strategy). One per provider + model, shared by
// every route that uses it, created at start.

/** Weight of the newest sample: about the last ten calls matter. */
const EWMA_ALPHA = 0.2;

export class TargetHealth {
  readonly breaker: CircuitBreaker;
  /** Milliseconds; undefined until the first success, so unmeasured targets get tried. */
  latency: number | undefined;

  constructor(
    readonly provider: string,
    readonly model: string,
    breaker: BreakerOptions,
    now?: () => number,
  ) {
    this.breaker = new CircuitBreaker(breaker, now);
  }

  recordLatency(ms: number): void {
    this.latency = this.latency === undefined ? ms : this.latency + EWMA_ALPHA * (ms - this.latency);
  }
}

/** Clients can name any `provider/model`; past this many, new names get untracked health. */
const MAX_TARGETS = 10_000;

/** Every target's health, keyed `provider/model`. */
export class HealthRegistry {
  private readonly targets = new Map<string, TargetHealth>();

  constructor(private readonly now?: () => number) {}

  get(provider: string, model: string, breaker: BreakerOptions): TargetHealth {
    const key = `${provider}/${model}`;
    let h = this.targets.get(key);
    if (h) return h;
    h = new TargetHealth(provider, model, breaker, this.now);
    if (this.targets.size < MAX_TARGETS) this.targets.set(key, h);
    return h;
  }

  all(): TargetHealth[] {
    return [...this.targets.values()];
  }
}
