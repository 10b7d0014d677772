// Rate-limit counters behind one interface, so a shared backend (Redis, one Lua script per call) can replace the
// in-process store without the limiter changing: every admission is ONE `reserve` call covering all the
// counters it touches, and every reconciliation is ONE `adjust` call.
//
// Algorithm: a token bucket per counter, kept as the amount USED ("level") rather than the amount left.
// - Capacity is `limit`; the level drains continuously at `limit / windowMs` per ms. A fresh counter therefore
//   allows a burst of `limit`, then `limit` per window at a steady pace (60 rpm ≈ one request per second once
//   the burst is spent). This is how OpenAI describes its own limits ("replenished continuously"), and it
//   makes the headers natural: remaining = limit − level, reset = time until the level drains to zero.
// - Admission takes `amount` iff level + amount ≤ limit. Over any span of one window, at most 2 × limit can
//   pass (a full burst plus one window of refill); in steady state the rate is exactly limit per window.
// - A day window ("per day") is the same bucket refilled over 24h, not a calendar-day reset.
// - State per counter: three numbers. An entry whose level has drained to zero is indistinguishable from no
//   entry, so it is deleted when next seen empty or by a sweep that runs at most once per `sweepIntervalMs`
//   (driven by calls, no timers): memory stays proportional to counters used within the last window.

/** One counter touched by a call. `limit` and `windowMs` travel with every call so the store keeps no config. */
export interface CounterOp {
  readonly key: string;
  /** Units to take (reserve) or add, possibly negative (adjust). */
  readonly amount: number;
  readonly limit: number;
  readonly windowMs: number;
}

export interface CounterState {
  /** Whole units still available after the call (never negative). */
  remaining: number;
  /** Milliseconds until the counter drains back to empty ("resets to its initial state", in OpenAI's words). */
  resetMs: number;
}

export interface ReserveResult {
  ok: boolean;
  /** One entry per op, in order: the state after the call (unchanged state when refused). */
  counters: CounterState[];
  /** Index of the op that refused (the one needing the longest wait), or -1. */
  blocked: number;
  /** Refused: ms until the blocked op's amount would fit (Infinity if amount > limit). 0 when ok. */
  retryAfterMs: number;
}

export interface CounterStore {
  /**
   * All-or-nothing: takes every op's amount, or — if any op would exceed its limit — takes nothing.
   * Keys within one call must be distinct. `now` is the caller's clock; a shared store may use its own.
   * The in-process store returns a plain value; callers must handle both shapes without awaiting a non-promise.
   */
  reserve(ops: ReadonlyArray<CounterOp>, now: number): ReserveResult | Promise<ReserveResult>;
  /** Adds (possibly negative) amounts with no limit check; a level never drops below zero. */
  adjust(ops: ReadonlyArray<CounterOp>, now: number): void | Promise<void>;
}

interface Bucket {
  level: number;
  at: number;
  /** When the level reaches zero at the current rate; the sweep deletes entries past this. */
  emptyAt: number;
}

/** Absorbs float drift from continuous refill (levels are fractional; amounts are whole). */
const EPSILON = 1e-6;

export interface MemoryCounterStoreOptions {
  /** Minimum time between sweeps of drained entries. */
  sweepIntervalMs?: number;
}

/** In-process store: synchronous, O(1) per op, allocates only the result and new buckets. */
export class MemoryCounterStore implements CounterStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweepIntervalMs: number;
  private lastSweep = -Infinity;
  /** Levels computed in the check pass, reused by the apply pass (grows to the largest call, never shrinks). */
  private scratch = new Float64Array(8);

  constructor(opts: MemoryCounterStoreOptions = {}) {
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 60_000;
  }

  /** Number of live (possibly drained but not yet swept) counters. */
  get size(): number {
    return this.buckets.size;
  }

  reserve(ops: ReadonlyArray<CounterOp>, now: number): ReserveResult {
    this.maybeSweep(now);
    if (this.scratch.length < ops.length) this.scratch = new Float64Array(ops.length * 2);
    const levels = this.scratch;
    let blocked = -1;
    let retryAfterMs = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const level = this.levelOf(op, now);
      levels[i] = level;
      const excess = level + op.amount - op.limit;
      if (excess > EPSILON) {
        const wait = op.amount > op.limit ? Infinity : (excess * op.windowMs) / op.limit;
        if (blocked < 0 || wait > retryAfterMs) {
          blocked = i;
          retryAfterMs = wait;
        }
      }
    }
    const counters: CounterState[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const level = blocked < 0 ? this.put(op, levels[i]! + op.amount, now) : levels[i]!;
      counters[i] = stateOf(op, level);
    }
    return { ok: blocked < 0, counters, blocked, retryAfterMs };
  }

  adjust(ops: ReadonlyArray<CounterOp>, now: number): void {
    this.maybeSweep(now);
    for (const op of ops) {
      if (op.amount === 0) continue;
      this.put(op, Math.max(0, this.levelOf(op, now) + op.amount), now);
    }
  }

  /** The counter's state without taking anything (diagnostics and tests). */
  peek(op: Omit<CounterOp, 'amount'>, now: number): CounterState & { level: number } {
    const level = this.levelOf(op, now);
    return { ...stateOf(op, level), level };
  }

  private levelOf(op: Omit<CounterOp, 'amount'>, now: number): number {
    const b = this.buckets.get(op.key);
    if (b === undefined) return 0;
    // A clock that steps backwards (or another instance's skew) must not refill anything.
    const elapsed = now > b.at ? now - b.at : 0;
    const level = b.level - (elapsed * op.limit) / op.windowMs;
    return level > 0 ? level : 0;
  }

  private put(op: CounterOp, level: number, now: number): number {
    const b = this.buckets.get(op.key);
    if (level <= EPSILON) {
      if (b !== undefined) this.buckets.delete(op.key);
      return 0;
    }
    const emptyAt = now + (level * op.windowMs) / op.limit;
    if (b === undefined) {
      this.buckets.set(op.key, { level, at: now, emptyAt });
    } else {
      b.level = level;
      b.at = now;
      b.emptyAt = emptyAt;
    }
    return level;
  }

  private maybeSweep(now: number): void {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    // Deleting during Map iteration is safe in JS; the cost is O(live counters) once per interval.
    for (const [key, b] of this.buckets) if (b.emptyAt <= now) this.buckets.delete(key);
  }
}

function stateOf(op: Omit<CounterOp, 'amount'>, level: number): CounterState {
  const left = Math.floor(op.limit - level + EPSILON);
  return { remaining: left > 0 ? left : 0, resetMs: level > 0 ? (level * op.windowMs) / op.limit : 0 };
}
