import { Database, type Statement } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CacheBackend, CacheEntry, PersistedEntry } from './cache.ts';

// The response cache's persistent half, so hits survive a restart. It has its own connection and table (the
// store's migrations do not know it yet) and is written behind: saves are queued in memory and flushed in one
// transaction on a short timer or when the queue fills, so a request never waits on a disk write.

export interface SqliteCacheOptions {
  /** Longest a save waits in the queue before its batch is written (ms). */
  flushMs?: number;
  /** A queue this long is written at once. */
  maxBatch?: number;
  /** Expired rows are swept in a flush at most this often (ms); lookups delete the ones they meet. */
  sweepMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface SqliteCacheStats {
  /** Writes waiting for the next flush. */
  queued: number;
  /** Rows written or deleted by flushes. */
  written: number;
  /** Flushes that failed (their batch is dropped: a cache may lose entries, never block on them). */
  failedFlushes: number;
}

interface Row {
  entry: string;
  expires_at: number;
}

/** A queued write: the row to upsert, or null to delete it. */
type Pending = { entry: CacheEntry; expiresAt: number } | null;

export class SqliteCacheBackend implements CacheBackend {
  private readonly db: Database;
  private readonly selectRow: Statement<Row, [string]>;
  private readonly upsertRow: Statement<unknown, [string, string, number]>;
  private readonly deleteRow: Statement<unknown, [string]>;
  private readonly sweepRows: Statement<unknown, [number]>;
  private readonly queue = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSweep = 0;
  private written = 0;
  private failedFlushes = 0;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly sweepMs: number;
  private readonly now: () => number;

  constructor(path: string, opts: SqliteCacheOptions = {}) {
    this.flushMs = opts.flushMs ?? 50;
    this.maxBatch = opts.maxBatch ?? 256;
    this.sweepMs = opts.sweepMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, strict: true });
    // WAL: lookups from the request path are never blocked by a flush in progress.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.db.exec(`CREATE TABLE IF NOT EXISTS response_cache (key TEXT PRIMARY KEY, entry TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS response_cache_expires ON response_cache(expires_at);`);
    this.selectRow = this.db.query<Row, [string]>('SELECT entry, expires_at FROM response_cache WHERE key = ?');
    this.upsertRow = this.db.query('INSERT OR REPLACE INTO response_cache (key, entry, expires_at) VALUES (?, ?, ?)');
    this.deleteRow = this.db.query('DELETE FROM response_cache WHERE key = ?');
    this.sweepRows = this.db.query('DELETE FROM response_cache WHERE expires_at <= ?');
  }

  async load(key: string): Promise<PersistedEntry | undefined> {
    const now = this.now();
    // Read your own writes: a save still in the queue is the newest truth for its key.
    if (this.queue.has(key)) {
      const p = this.queue.get(key);
      return p && p.expiresAt > now ? { ...p.entry, expiresAt: p.expiresAt } : undefined;
    }
    let row: Row | null;
    try {
      row = this.selectRow.get(key);
    } catch {
      return undefined;
    }
    if (!row) return undefined;
    if (row.expires_at <= now) {
      this.delete(key);
      return undefined;
    }
    try {
      return { ...(JSON.parse(row.entry) as CacheEntry), expiresAt: row.expires_at };
    } catch {
      this.delete(key);
      return undefined;
    }
  }

  save(key: string, entry: CacheEntry, expiresAt: number): void {
    this.enqueue(key, { entry, expiresAt });
  }

  delete(key: string): void {
    this.enqueue(key, null);
  }

  /** Writes the queue in one transaction (and sweeps expired rows when it is time). Never throws. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    const sweep = now - this.lastSweep >= this.sweepMs;
    if (this.queue.size === 0 && !sweep) return;
    const batch = [...this.queue];
    this.queue.clear();
    try {
      this.db.transaction(() => {
        for (const [key, p] of batch) {
          if (p) this.upsertRow.run(key, JSON.stringify(p.entry), p.expiresAt);
          else this.deleteRow.run(key);
        }
        if (sweep) this.sweepRows.run(now);
      })();
      this.written += batch.length;
      if (sweep) this.lastSweep = now;
    } catch {
      this.failedFlushes++;
    }
  }

  /** Deletes every expired row now; returns how many. */
  purgeExpired(now: number = this.now()): number {
    this.lastSweep = now; // the flush below need not sweep too: the count is ours to report
    this.flush();
    try {
      return this.sweepRows.run(now).changes;
    } catch {
      return 0;
    }
  }

  stats(): SqliteCacheStats {
    return { queued: this.queue.size, written: this.written, failedFlushes: this.failedFlushes };
  }

  /** Flushes what is queued, then closes the connection. */
  close(): void {
    this.flush();
    this.db.close();
  }

  private enqueue(key: string, p: Pending): void {
    // Re-inserting keeps the Map's order the write order; a later write to a key supersedes the queued one.
    this.queue.delete(key);
    this.queue.set(key, p);
    // A full batch is written on the next turn of the event loop, not inline: the caller is a request.
    const delay = this.queue.size >= this.maxBatch ? 0 : this.flushMs;
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), delay);
    // A pending flush must not keep a finished process alive; close() writes what is left.
    this.timer.unref?.();
  }
}
