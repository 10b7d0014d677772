// A circuit breaker per target (provider + model). Closed: calls pass, failures are counted. It opens after
// `failures` consecutive failures, or when the failure rate over the last `window` reaches `failureRate` with at
// least `minRequests` calls in it. Open: calls are refused (the target is skipped) until `cooldown` has passed;
// then half-open: up to `probes` calls go through; a success closes it, a failure opens it again.
// The clock is injected so tests step time instead of sleeping.

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failures: number;
  failureRate: number;
  windowMs: number;
  minRequests: number;
  cooldownMs: number;
  probes: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failures: 5, failureRate: 0.5, windowMs: 30_000, minRequests: 20, cooldownMs: 30_000, probes: 1 };

/** Calls and failures in the window: two fixed halves, so the rate looks back between one and two halves. */
interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private inFlightProbes = 0;
  private current: Bucket = { start: 0, calls: 0, failures: 0 };
  private previous: Bucket = { start: 0, calls: 0, failures: 0 };
  /** Times the breaker opened, for /metrics. */
  opens = 0;

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Whether a call may go to this target now; a half-open breaker admits a limited number of probes. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.opts.cooldownMs) return false;
      this.state = 'half-open';
      this.inFlightProbes = 0;
    }
    if (this.inFlightProbes >= this.opts.probes) return false;
    this.inFlightProbes++;
    return true;
  }

  success(): void {
    this.count(false);
    this.consecutive = 0;
    if (this.state === 'half-open') this.close();
  }

  failure(): void {
    this.count(true);
    this.consecutive++;
    if (this.state === 'half-open') return this.open();
    if (this.state === 'closed' && (this.consecutive >= this.opts.failures || this.rateTripped())) this.open();
  }

  /** A call that ended without telling anything about the target (the client left, a client error): frees a probe. */
  release(): void {
    if (this.state === 'half-open' && this.inFlightProbes > 0) this.inFlightProbes--;
  }

  private open(): void {
    this.state = 'open';
    this.openedAt = this.now();
    this.opens++;
  }

  private close(): void {
    this.state = 'closed';
    this.consecutive = 0;
    this.current = { start: this.now(), calls: 0, failures: 0 };
    this.previous = { start: 0, calls: 0, failures: 0 };
  }

  private count(failed: boolean): void {
    const now = this.now();
    const half = this.opts.windowMs / 2;
    if (now - this.current.start >= half) {
      this.previous = now - this.current.start >= 2 * half ? { start: 0, calls: 0, failures: 0 } : this.current;
      this.current = { start: now, calls: 0, failures: 0 };
    }
    this.current.calls++;
    if (failed) this.current.failures++;
  }

  private rateTripped(): boolean {
    const calls = this.current.calls + this.previous.calls;
    if (calls < this.opts.minRequests) return false;
    return (this.current.failures + this.previous.failures) / calls >= this.opts.failureRate;
  }
}
