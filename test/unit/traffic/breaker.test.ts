// Circuit breaker transitions, driven by an injected clock (no sleeps).
import { describe, expect, test } from 'bun:test';
import { CircuitBreaker, type BreakerOptions } from '../../../src/traffic/breaker.ts';

const opts: BreakerOptions = { failures: 3, failureRate: 0.5, windowMs: 10_000, minRequests: 10, cooldownMs: 5_000, probes: 1 };

function breaker(o: Partial<BreakerOptions> = {}) {
  let now = 1_000_000;
  const b = new CircuitBreaker({ ...opts, ...o }, () => now);
  return { b, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  test('opens after N consecutive failures; a success in between resets the count', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.opens).toBe(1);
  });

  test('opens on the failure rate over the window once enough calls were seen', () => {
    const { b } = breaker({ failures: 100 });
    for (let i = 0; i < 9; i++) (i % 2 ? b.failure() : b.success());
    expect(b.state).toBe('closed'); // 9 calls: under minRequests
    b.failure(); // 10 calls, 5 failures: rate 0.5
    expect(b.state).toBe('open');
  });

  test('old calls leave the window: the rate counts only the last one to two half-windows', () => {
    const { b, advance } = breaker({ failures: 100 });
    for (let i = 0; i < 8; i++) b.failure();
    advance(20_000); // both halves expired
    for (let i = 0; i < 9; i++) b.success();
    b.failure();
    expect(b.state).toBe('closed'); // 1 failure in 10
  });

  test('open → half-open after the cooldown, with a limited number of probes; a probe success closes it', () => {
    const { b, advance } = breaker({ probes: 2 });
    for (let i = 0; i < 3; i++) b.failure();
    advance(4_999);
    expect(b.allow()).toBe(false);
    advance(1);
    expect(b.allow()).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // both probes in flight
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  test('a failed probe opens it again for a whole cooldown', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(5_000);
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    advance(4_000);
    expect(b.allow()).toBe(false);
    advance(1_000);
    expect(b.allow()).toBe(true);
  });

  test('a probe that ends without telling (the client left, its own error) frees the slot', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(5_000);
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.release();
    expect(b.allow()).toBe(true);
  });
});
