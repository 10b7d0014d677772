import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseCache, type CacheEntry } from '../../../src/traffic/cache.ts';
import { SqliteCacheBackend } from '../../../src/traffic/cache-sqlite.ts';

let dir: string;
let file: string;
let clock: number;
const open: Array<{ close(): void }> = [];

function backend(opts: { flushMs?: number; maxBatch?: number; sweepMs?: number } = {}): SqliteCacheBackend {
  const b = new SqliteCacheBackend(file, { now: () => clock, ...opts });
  open.push(b);
  return b;
}

function rows(): Array<{ key: string; expires_at: number }> {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.query<{ key: string; expires_at: number }, []>('SELECT key, expires_at FROM response_cache ORDER BY key').all();
  } finally {
    raw.close();
  }
}

const entry = (body: string): CacheEntry => ({
  body,
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  model: 'gpt-4o-mini',
  provider: 'openai',
  createdAt: 1000,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvara-cache-'));
  file = join(dir, 'nested', 'cache.db');
  clock = 1_000_000;
});

afterEach(() => {
  for (const x of open.splice(0)) {
    try {
      x.close();
    } catch {
      // already closed
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteCacheBackend', () => {
  test('saves are written behind, in one batch, after the flush delay', async () => {
    const b = backend({ flushMs: 20 });
    b.save('a', entry('A'), clock + 1000);
    b.save('b', entry('B'), clock + 1000);
    expect(rows()).toEqual([]); // nothing written on the caller's turn
    expect(b.stats().queued).toBe(2);
    await Bun.sleep(60);
    expect(rows().map((r) => r.key)).toEqual(['a', 'b']);
    expect(b.stats()).toMatchObject({ queued: 0, written: 2, failedFlushes: 0 });
  });

  test('a full batch is written on the next tick', async () => {
    const b = backend({ flushMs: 60_000, maxBatch: 3 });
    for (const k of ['a', 'b', 'c']) b.save(k, entry(k), clock + 1000);
    expect(rows()).toEqual([]);
    await Bun.sleep(5);
    expect(rows()).toHaveLength(3);
  });

  test('load reads queued writes before they are flushed', async () => {
    const b = backend({ flushMs: 60_000 });
    b.save('a', entry('A'), clock + 1000);
    expect((await b.load('a'))?.body).toBe('A');
    b.delete('a');
    expect(await b.load('a')).toBeUndefined();
  });

  test('round trip across a restart, with the expiry', async () => {
    const a = backend();
    a.save('k', entry('{"id":"chatcmpl-1"}'), clock + 5000);
    a.close();
    const b = backend();
    expect(await b.load('k')).toEqual({ ...entry('{"id":"chatcmpl-1"}'), expiresAt: clock + 5000 });
    expect(await b.load('missing')).toBeUndefined();
  });

  test('an expired row is a miss and is deleted lazily', async () => {
    const a = backend();
    a.save('k', entry('K'), clock + 100);
    a.flush();
    clock += 100;
    expect(await a.load('k')).toBeUndefined();
    a.flush();
    expect(rows()).toEqual([]);
  });

  test('flushes sweep expired rows at most every sweepMs', () => {
    const b = backend({ sweepMs: 1000 });
    b.save('short', entry('S'), clock + 10);
    b.save('long', entry('L'), clock + 10_000);
    b.flush();
    clock += 500;
    b.save('x', entry('X'), clock + 10_000);
    b.flush(); // too soon to sweep
    expect(rows().map((r) => r.key)).toEqual(['long', 'short', 'x']);
    clock += 600;
    b.flush(); // nothing queued, but the sweep is due
    expect(rows().map((r) => r.key)).toEqual(['long', 'x']);
    clock += 20_000;
    expect(b.purgeExpired()).toBe(2);
  });

  test('a later save of the same key supersedes the queued one', async () => {
    const b = backend();
    b.save('k', entry('old'), clock + 1000);
    b.save('k', entry('new'), clock + 2000);
    b.flush();
    expect(rows()).toEqual([{ key: 'k', expires_at: clock + 2000 }]);
    expect(b.stats().written).toBe(1);
  });

  test('a failing flush drops its batch and never throws', () => {
    const b = backend();
    b.save('k', entry('K'), clock + 1000);
    // Someone removed the table under us (a broken disk looks the same to the flush): the write cannot commit.
    const other = new Database(file);
    other.exec('DROP TABLE response_cache');
    other.close();
    expect(() => b.flush()).not.toThrow();
    expect(b.stats()).toMatchObject({ failedFlushes: 1, queued: 0 });
  });
});

describe('ResponseCache over SqliteCacheBackend', () => {
  test('a fresh process serves what the last one cached, with the remaining TTL', async () => {
    const first = backend();
    const c1 = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, backend: first });
    c1.set('key', entry('{"cached":true}'), 60_000, clock);
    first.close();

    const c2 = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, backend: backend() });
    expect(c2.get('key', clock + 1000)).toBeUndefined();
    expect((await c2.load('key', clock + 1000))?.body).toBe('{"cached":true}');
    expect(c2.get('key', clock + 59_999)?.body).toBe('{"cached":true}');
    expect(c2.get('key', clock + 60_000)).toBeUndefined();
  });

  test('an expired persisted entry is not served', async () => {
    const first = backend();
    new ResponseCache({ maxEntries: 10, maxBytes: 10_000, backend: first }).set('key', entry('X'), 1000, clock);
    first.close();
    clock += 1000;
    const c2 = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, backend: backend() });
    expect(await c2.load('key', clock)).toBeUndefined();
  });

  test(':memory: works for tests and ephemeral runs', async () => {
    const b = new SqliteCacheBackend(':memory:');
    open.push(b);
    b.save('k', entry('K'), Date.now() + 1000);
    b.flush();
    expect((await b.load('k'))?.body).toBe('K');
  });
});
