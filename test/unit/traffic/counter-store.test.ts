import { describe, expect, test } from 'bun:test';
import { type CounterOp, MemoryCounterStore } from '../../../src/traffic/counter-store.ts';

const MIN = 60_000;
const rpm = (key: string, limit: number, amount = 1): CounterOp => ({ key, amount, limit, windowMs: MIN });

describe('MemoryCounterStore window semantics (token bucket, injected time)', () => {
  test('a fresh counter allows a burst of `limit`, then refuses with the time for one unit to drain', () => {
    const s = new MemoryCounterStore();
    for (let i = 0; i < 60; i++) expect(s.reserve([rpm('a', 60)], 0).ok).toBe(true);
    const r = s.reserve([rpm('a', 60)], 0);
    expect(r.ok).toBe(false);
    expect(r.blocked).toBe(0);
    expect(r.retryAfterMs).toBeCloseTo(1000, 6);
    expect(r.counters[0]).toEqual({ remaining: 0, resetMs: MIN });
  });

  test('refills continuously at limit/window', () => {
    const s = new MemoryCounterStore();
    for (let i = 0; i < 60; i++) s.reserve([rpm('a', 60)], 0);
    expect(s.reserve([rpm('a', 60)], 999).ok).toBe(false);
    expect(s.reserve([rpm('a', 60)], 1000).ok).toBe(true);
    expect(s.reserve([rpm('a', 60)], 1000).ok).toBe(false);
    // Half a window later, 30 more fit.
    let n = 0;
    while (s.reserve([rpm('a', 60)], 31_000).ok) n++;
    expect(n).toBe(30);
    // A full window after the last take, the counter is back to its initial state.
    expect(s.peek(rpm('a', 60), 31_000 + MIN)).toEqual({ remaining: 60, resetMs: 0, level: 0 });
  });

  test('remaining and resetMs describe the state after the call', () => {
    const s = new MemoryCounterStore();
    const r = s.reserve([rpm('t', 10_000, 150)], 5);
    expect(r).toEqual({ ok: true, blocked: -1, retryAfterMs: 0, counters: [{ remaining: 9850, resetMs: 900 }] });
    expect(s.peek(rpm('t', 10_000), 455)).toEqual({ remaining: 9925, resetMs: 450, level: 75 });
  });

  test('a day window refills over 24h', () => {
    const s = new MemoryCounterStore();
    const day = (amount = 1): CounterOp => ({ key: 'd', amount, limit: 1000, windowMs: 86_400_000 });
    expect(s.reserve([day(1000)], 0).ok).toBe(true);
    const r = s.reserve([day()], 0);
    expect(r.retryAfterMs).toBeCloseTo(86_400, 6);
    expect(s.reserve([day()], 86_400).ok).toBe(true);
  });

  test('a clock stepping backwards refills nothing', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('a', 2, 2)], 10_000);
    expect(s.reserve([rpm('a', 2)], 5_000).ok).toBe(false);
  });
});

describe('MemoryCounterStore all-or-nothing reservation', () => {
  test('nothing is taken when any counter would exceed its limit', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('b', 5, 5)], 0);
    const r = s.reserve([rpm('a', 100, 10), rpm('b', 5)], 0);
    expect(r.ok).toBe(false);
    expect(r.blocked).toBe(1);
    expect(r.counters).toEqual([{ remaining: 100, resetMs: 0 }, { remaining: 0, resetMs: MIN }]);
    expect(s.peek(rpm('a', 100), 0).level).toBe(0);
  });

  test('reports the blocking counter with the longest wait', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('a', 60, 60), rpm('b', 6, 6)], 0);
    const r = s.reserve([rpm('a', 60), rpm('b', 6)], 0);
    expect(r.blocked).toBe(1);
    expect(r.retryAfterMs).toBeCloseTo(10_000, 6);
  });

  test('an amount above the limit can never fit: retryAfterMs is Infinity', () => {
    const r = new MemoryCounterStore().reserve([rpm('a', 10, 11)], 0);
    expect(r.ok).toBe(false);
    expect(r.retryAfterMs).toBe(Infinity);
  });

  test('every counter is taken on success', () => {
    const s = new MemoryCounterStore();
    expect(s.reserve([rpm('a', 10, 3), rpm('b', 10, 4)], 0).ok).toBe(true);
    expect(s.peek(rpm('a', 10), 0).level).toBe(3);
    expect(s.peek(rpm('b', 10), 0).level).toBe(4);
  });
});

describe('MemoryCounterStore.adjust', () => {
  test('refunds never take a counter below empty', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('a', 100, 10)], 0);
    s.adjust([rpm('a', 100, -4)], 0);
    expect(s.peek(rpm('a', 100), 0).level).toBe(6);
    s.adjust([rpm('a', 100, -50)], 0);
    expect(s.peek(rpm('a', 100), 0).level).toBe(0);
    expect(s.size).toBe(0);
  });

  test('charges may exceed the limit, and the debt delays the next admission', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('a', 600, 600)], 0);
    s.adjust([rpm('a', 600, 60)], 0);
    expect(s.peek(rpm('a', 600), 0)).toEqual({ remaining: 0, resetMs: 66_000, level: 660 });
    const r = s.reserve([rpm('a', 600)], 0);
    expect(r.retryAfterMs).toBeCloseTo(6_100, 6);
  });

  test('adjust with no entry and a negative amount stores nothing', () => {
    const s = new MemoryCounterStore();
    s.adjust([rpm('x', 10, -3)], 0);
    expect(s.size).toBe(0);
  });
});

describe('MemoryCounterStore memory', () => {
  test('drained counters are swept lazily, without timers', () => {
    const s = new MemoryCounterStore({ sweepIntervalMs: 1_000 });
    for (let i = 0; i < 1_000; i++) s.reserve([rpm(`k${i}`, 60)], 0);
    expect(s.size).toBe(1_000);
    // One unit of a 60/min counter drains in 1 s; the next call after the interval sweeps.
    s.reserve([rpm('other', 60)], 1_000);
    expect(s.size).toBe(1);
  });

  test('a counter that drains to exactly empty is deleted on access', () => {
    const s = new MemoryCounterStore();
    s.reserve([rpm('a', 60)], 0);
    s.adjust([rpm('a', 60, -1)], 0);
    expect(s.size).toBe(0);
  });
});
