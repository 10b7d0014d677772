import { describe, expect, test } from 'bun:test';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../../src/traffic/retry.ts';

const policy = { ...DEFAULT_RETRY, backoffMs: 100, maxBackoffMs: 1_000, maxRetryAfterMs: 10_000 };

describe('backoff', () => {
  test('full jitter: between 0 and base·2^(round-1), capped', () => {
    expect(backoffDelay(policy, 1, undefined, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 2, undefined, () => 0)).toBe(0);
  });

  test("the upstream's Retry-After is the least wait; past max_retry_after there is no retry", () => {
    expect(backoffDelay(policy, 1, 3_000, () => 0.5)).toBe(3_000);
    expect(backoffDelay(policy, 1, 10_001, () => 0.5)).toBeNull();
  });

  test('Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
