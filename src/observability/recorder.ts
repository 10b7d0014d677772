import { appendFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { NewRequestRow, RequestLog } from '../store/request-log.ts';
import { log } from './logger.ts';

// Request rows leave the hot path through an in-memory queue, written in batched transactions every few ms (or
// at `maxBatch` rows, whichever first). The queue is bounded: past `maxQueue` rows, or when the store refuses a
// write, rows go to a local spill file (one JSON line each) instead, which is replayed into the store on the next
// start or flush, so nothing is dropped. A kill -9 loses at most the rows of one flush window.

export interface RecorderOptions {
  flushMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  spillPath: string;
}

export class UsageRecorder {
  private queue: NewRequestRow[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  /** Rows written to the spill file since start (for /metrics). */
  spilled = 0;
  written = 0;

  constructor(
    private readonly log: RequestLog,
    private readonly opts: RecorderOptions,
  ) {
    this.flushMs = opts.flushMs ?? 20;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxQueue = opts.maxQueue ?? 20_000;
    this.replaySpill();
  }

  get depth(): number {
    return this.queue.length;
  }

  add(row: NewRequestRow): void {
    if (this.queue.length >= this.maxQueue) return this.spill([row]);
    this.queue.push(row);
    if (this.queue.length >= this.maxBatch) queueMicrotask(() => this.flush());
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref?.();
    }
  }

  /** Writes everything queued now (also what an earlier failure spilled). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        this.log.append(batch);
        this.written += batch.length;
      } catch (err) {
        log('warn', 'request log: the store refused a batch; rows spilled to the spill file', { rows: batch.length, error: err instanceof Error ? err.message : String(err) });
        this.spill(batch);
      }
    }
  }

  /** Rows the store could not take (or the queue had no room for) go to the spill file, in order. */
  private spill(rows: readonly NewRequestRow[]): void {
    appendFileSync(this.opts.spillPath, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.spilled += rows.length;
  }

  /** Moves a spill file left by an earlier run (or a failed write) into the store. */
  replaySpill(): number {
    const path = this.opts.spillPath;
    if (!existsSync(path)) return 0;
    // Renamed first, so rows spilled while replaying go to a fresh file and are not lost or read twice.
    const taken = `${path}.replaying`;
    renameSync(path, taken);
    const rows = readFileSync(taken, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as NewRequestRow);
    try {
      for (let i = 0; i < rows.length; i += this.maxBatch) this.log.append(rows.slice(i, i + this.maxBatch));
      rmSync(taken);
    } catch (err) {
      // Still unwritable: keep the rows for the next try.
      appendFileSync(path, readFileSync(taken, 'utf8'));
      rmSync(taken);
      throw err;
    }
    return rows.length;
  }

  close(): void {
    this.flush();
  }
}
