import type { Usage } from '../protocols/openai/types.ts';

// An exact-match response cache: in memory first (a Map whose insertion order is the LRU order), optionally
// backed by a persistent store. The hot path (`get`, `set`) is synchronous and allocation-light; the backend
// is only consulted, asynchronously, after a memory miss, and written behind without being awaited.

/** One cached answer. `body` is the ChatCompletion / EmbeddingResponse JSON text, served as is. */
export interface CacheEntry {
  body: string;
  usage: Usage | null;
  /** The model that answered (as the upstream reported it). */
  model: string;
  /** The provider that answered, for logs and usage records of hits. */
  provider: string;
  /** When the answer was cached (ms since epoch). */
  createdAt: number;
}

/** An entry as a backend returns it: with its expiry, so a promoted entry keeps its remaining TTL. */
export interface PersistedEntry extends CacheEntry {
  expiresAt: number;
}

/** Persistence under the memory cache (a store table, another process's view of the same cache). */
export interface CacheBackend {
  /** The live entry for key, or undefined (missing or expired). */
  load(key: string): Promise<PersistedEntry | undefined>;
  /** Write-behind: queue the write and return; never awaited on the request path. */
  save(key: string, entry: CacheEntry, expiresAt: number): void;
  /** Write-behind removal. */
  delete?(key: string): void;
}

export interface ResponseCacheOptions {
  /** Most entries kept in memory. */
  maxEntries: number;
  /** Most bytes kept in memory, counted as the stored JSON text's length. */
  maxBytes: number;
  /**
   * Largest single entry worth keeping (default maxBytes / 8): one huge answer should not flush a cache
   * full of small, frequently hit ones.
   */
  maxEntryBytes?: number;
  backend?: CacheBackend;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  /** Memory hits. */
  hits: number;
  /** Memory misses (some may then be backend hits). */
  misses: number;
  /** Entries pushed out by the entry or byte bound. */
  evictions: number;
  /** Entries found expired on lookup. */
  expired: number;
  /** Memory misses answered by the backend. */
  backendHits: number;
}

interface Slot {
  entry: CacheEntry;
  expiresAt: number;
  size: number;
  /** The value of `seq` when the slot last moved to the most recently used end. */
  seq: number;
}

export class ResponseCache {
  private readonly map = new Map<string, Slot>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private expired = 0;
  private backendHits = 0;
  /** Counts moves to the most recently used end; `seq - slot.seq` bounds how far a slot is from that end. */
  private seq = 0;
  private readonly maxEntryBytes: number;

  constructor(private readonly opts: ResponseCacheOptions) {
    if (!(opts.maxEntries > 0) || !(opts.maxBytes > 0)) throw new RangeError('cache bounds must be positive');
    this.maxEntryBytes = Math.min(opts.maxEntryBytes ?? Math.floor(opts.maxBytes / 8), opts.maxBytes);
  }

  /** Whether a memory miss is worth an (async) `load`. */
  get persistent(): boolean {
    return this.opts.backend !== undefined;
  }

  /** The live entry in memory, marking it most recently used; expired entries are dropped here (lazily). */
  get(key: string, now: number = Date.now()): CacheEntry | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    if (slot.expiresAt <= now) {
      this.remove(key, slot);
      this.expired++;
      this.misses++;
      return undefined;
    }
    // Re-inserting moves the key to the end of the Map's iteration order: the most recently used end. Only a
    // slot in the older half moves: one in the newer half is far from eviction, and JavaScriptCore's Map makes
    // deleting and re-adding the same key over and over cost O(size) (measured: 27 µs per hit at 10k entries),
    // which is exactly what a hot cached prompt would do.
    if (this.seq - slot.seq > this.map.size >>> 1) {
      this.map.delete(key);
      this.map.set(key, slot);
      slot.seq = this.seq++;
    }
    this.hits++;
    return slot.entry;
  }

  /**
   * After a memory miss: asks the backend, and promotes what it has into memory with its remaining TTL.
   * Never rejects: a failing backend is a miss, not a failed request.
   */
  async load(key: string, now: number = Date.now()): Promise<CacheEntry | undefined> {
    const backend = this.opts.backend;
    if (!backend) return undefined;
    let found: PersistedEntry | undefined;
    try {
      found = await backend.load(key);
    } catch {
      return undefined;
    }
    if (!found || found.expiresAt <= now) return undefined;
    const { expiresAt, ...entry } = found;
    this.insert(key, entry, expiresAt, now);
    this.backendHits++;
    return entry;
  }

  /** Caches an answer for ttlMs; writes it behind to the backend. Too-large entries are skipped. */
  set(key: string, entry: CacheEntry, ttlMs: number, now: number = Date.now()): void {
    if (!(ttlMs > 0)) return;
    const expiresAt = now + ttlMs;
    if (this.insert(key, entry, expiresAt, now)) this.opts.backend?.save(key, entry, expiresAt);
  }

  delete(key: string): boolean {
    this.opts.backend?.delete?.(key);
    const slot = this.map.get(key);
    if (slot === undefined) return false;
    this.remove(key, slot);
    return true;
  }

  /** Empties memory (the backend keeps its rows; they expire on their own). */
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  stats(): CacheStats {
    return {
      entries: this.map.size,
      bytes: this.bytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      expired: this.expired,
      backendHits: this.backendHits,
    };
  }

  private insert(key: string, entry: CacheEntry, expiresAt: number, now: number): boolean {
    const size = entry.body.length;
    if (size > this.maxEntryBytes || expiresAt <= now) return false;
    const old = this.map.get(key);
    if (old !== undefined) this.remove(key, old);
    this.map.set(key, { entry, expiresAt, size, seq: this.seq++ });
    this.bytes += size;
    // The first key in iteration order is the least recently used one.
    for (const [k, slot] of this.map) {
      if (this.map.size <= this.opts.maxEntries && this.bytes <= this.opts.maxBytes) break;
      this.remove(k, slot);
      if (slot.expiresAt <= now) this.expired++;
      else this.evictions++;
    }
    return true;
  }

  private remove(key: string, slot: Slot): void {
    this.map.delete(key);
    this.bytes -= slot.size;
  }
}
