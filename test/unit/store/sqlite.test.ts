import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../../../src/cli/keys.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/store/migrations.ts';
import { displayPrefix, hashKey, KEY_PREFIX, newKeyId, newKeySecret, newTenantId, randomBase62 } from '../../../src/store/ids.ts';
import { openStore, SqliteStore, sqlitePath, StoreError } from '../../../src/store/sqlite.ts';
import type { NewKey } from '../../../src/store/types.ts';

let dir: string;
let file: string;
let url: string;
const open: Array<{ close(): void }> = [];

/** A store (or raw Database) closed after the test. */
function track<T extends { close(): void }>(x: T): T {
  open.push(x);
  return x;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvara-store-'));
  file = join(dir, 'test.db');
  url = `sqlite:${file}`;
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

function newKey(tenant_id: string, over: Partial<NewKey> = {}): { secret: string; key: NewKey } {
  const secret = newKeySecret();
  return {
    secret,
    key: {
      tenant_id,
      name: null,
      prefix: displayPrefix(secret),
      hash: hashKey(secret),
      models: null,
      rpm: null,
      tpm: null,
      budget_usd: null,
      expires_at: null,
      ...over,
    },
  };
}

describe('migrations', () => {
  test('create the tables and one schema_migrations row per migration', () => {
    track(new SqliteStore(url));
    const raw = track(new Database(file, { readonly: true }));
    const tables = raw.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['schema_migrations', 'tenants', 'api_keys']));
    const rows = raw.query<{ version: number; name: string; applied_at: number }, []>('SELECT * FROM schema_migrations ORDER BY version').all();
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(rows.at(-1)?.version).toBe(SCHEMA_VERSION);
    for (const r of rows) expect(Math.abs(r.applied_at - Date.now())).toBeLessThan(60_000);
  });

  test('reopening applies nothing twice and keeps the data', async () => {
    const a = new SqliteStore(url);
    await a.addTenant('acme');
    a.close();
    const b = track(new SqliteStore(url));
    expect((await b.listTenants()).map((t) => t.name)).toEqual(['acme']);
    const raw = track(new Database(file, { readonly: true }));
    expect(raw.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM schema_migrations').get()?.n).toBe(MIGRATIONS.length);
  });

  test('WAL journal mode is on', () => {
    track(new SqliteStore(url));
    const raw = track(new Database(file));
    expect(raw.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
  });

  test('a store with a newer schema than this binary → StoreError mentioning "newer"', () => {
    const raw = new Database(file, { create: true });
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    raw.query('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from the future', Date.now());
    raw.close();
    let error: unknown;
    try {
      track(new SqliteStore(url));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('newer');
    expect((error as Error).message).toContain(String(SCHEMA_VERSION + 1));
  });

  test('creates missing parent directories', async () => {
    const nested = join(dir, 'a', 'b', 'c', 'x.db');
    const s = track(new SqliteStore(`sqlite:${nested}`));
    await s.addTenant('t');
    expect(existsSync(nested)).toBe(true);
  });

  test('sqlite::memory: works', async () => {
    const s = track(new SqliteStore('sqlite::memory:'));
    await s.addTenant('mem');
    expect((await s.listTenants()).length).toBe(1);
    await s.ping();
  });
});

describe('store URLs', () => {
  test('sqlitePath strips the scheme', () => {
    expect(sqlitePath('sqlite:./dvara.db')).toBe('./dvara.db');
    expect(sqlitePath('sqlite:/abs/x.db')).toBe('/abs/x.db');
    expect(sqlitePath('sqlite::memory:')).toBe(':memory:');
  });

  test('sqlite: with no file → StoreError', () => {
    expect(() => sqlitePath('sqlite:')).toThrow(StoreError);
  });

  test('openStore: sqlite opens, postgres and unknown schemes are StoreErrors', () => {
    const s = track(openStore(url));
    expect(s).toBeInstanceOf(SqliteStore);
    expect(s.url).toBe(url);
    expect(() => openStore('postgres://u:p@localhost/db')).toThrow(StoreError);
    expect(() => openStore('mysql://u:p@localhost/db')).toThrow(StoreError);
    expect(() => openStore('./dvara.db')).toThrow(StoreError);
  });
});

describe('tenants', () => {
  test('add, get, list (with active key counts), remove', async () => {
    const s = track(new SqliteStore(url));
    const a = await s.addTenant('acme');
    expect(a.id).toMatch(/^ten_[0-9A-Za-z]{16}$/);
    expect(a.name).toBe('acme');
    await Bun.sleep(2);
    const b = await s.addTenant('beta');
    expect(await s.getTenant('acme')).toEqual(a);
    expect(await s.getTenant('nobody')).toBeNull();

    await s.addKey(newKey(a.id).key);
    const revoked = await s.addKey(newKey(a.id).key);
    await s.revokeKey(revoked.id, Date.now());

    const list = await s.listTenants();
    expect(list.map((t) => [t.name, t.keys])).toEqual([
      ['acme', 1],
      ['beta', 0],
    ]);
    expect(list[1]?.id).toBe(b.id);
  });

  test('a duplicate tenant → StoreError', async () => {
    const s = track(new SqliteStore(url));
    await s.addTenant('acme');
    let error: unknown;
    try {
      await s.addTenant('acme');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('acme');
    expect((await s.listTenants()).length).toBe(1);
  });

  test('remove deletes the tenant\'s keys and reports how many', async () => {
    const s = track(new SqliteStore(url));
    const a = await s.addTenant('acme');
    const other = await s.addTenant('other');
    const k1 = newKey(a.id);
    await s.addKey(k1.key);
    await s.addKey(newKey(a.id).key);
    const kept = await s.addKey(newKey(other.id).key);

    expect(await s.removeTenant('acme')).toBe(2);
    expect(await s.getTenant('acme')).toBeNull();
    expect(await s.findKeyByHash(hashKey(k1.secret))).toBeNull();
    expect((await s.listKeys()).map((k) => k.id)).toEqual([kept.id]);
    const raw = track(new Database(file, { readonly: true }));
    expect(raw.query<{ n: number }, [string]>('SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?').get(a.id)?.n).toBe(0);
  });

  test('removing an unknown tenant returns null', async () => {
    const s = track(new SqliteStore(url));
    expect(await s.removeTenant('ghost')).toBeNull();
  });

  test('a removed name can be added again', async () => {
    const s = track(new SqliteStore(url));
    const first = await s.addTenant('acme');
    await s.removeTenant('acme');
    const second = await s.addTenant('acme');
    expect(second.id).not.toBe(first.id);
  });
});

describe('keys', () => {
  test('createKey returns an mk- secret of 32+ base62 characters', async () => {
    const s = track(new SqliteStore(url));
    await s.addTenant('acme');
    const { secret, record } = await createKey(s, 'acme', { name: 'ci' });
    expect(secret).toMatch(/^mk-[0-9A-Za-z]{32,}$/);
    expect(record.id).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(record.tenant).toBe('acme');
    expect(record.name).toBe('ci');
    expect(record.prefix).toBe(secret.slice(0, record.prefix.length));
    expect(record.prefix.length).toBeLessThan(secret.length - 20);
    expect(record.revoked_at).toBeNull();
    expect(record.expires_at).toBeNull();
  });

  test('only the SHA-256 hash and a short prefix are stored, never the secret', async () => {
    const s = track(new SqliteStore(url));
    await s.addTenant('acme');
    const { secret, record } = await createKey(s, 'acme', { name: 'n', models: ['gpt-*'], rpm: 5, tpm: 100, budget: 2.5, expiresAt: Date.now() + 1000 });
    s.close();
    const raw = track(new Database(file, { readonly: true }));
    const rows = raw.query<Record<string, unknown>, []>('SELECT * FROM api_keys').all();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    const secretTail = secret.slice(KEY_PREFIX.length + 6);
    for (const [column, value] of Object.entries(row)) {
      expect(String(value), column).not.toContain(secret);
      expect(String(value), column).not.toContain(secretTail);
    }
    expect(row.hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.prefix).toBe(record.prefix);
    // ...and nowhere else in the file either (WAL checkpointed by close()).
    const bytes = await Bun.file(file).text();
    expect(bytes).not.toContain(secretTail);
  });

  test('findKeyByHash finds by the hash of the secret, not by the secret', async () => {
    const s = track(new SqliteStore(url));
    await s.addTenant('acme');
    const { secret, record } = await createKey(s, 'acme', { models: ['a', 'b*'], rpm: 10, tpm: 1000, budget: 5 });
    const found = await s.findKeyByHash(hashKey(secret));
    expect(found).toEqual(record);
    expect(found?.models).toEqual(['a', 'b*']);
    expect(found?.rpm).toBe(10);
    expect(found?.tpm).toBe(1000);
    expect(found?.budget_usd).toBe(5);
    expect(await s.findKeyByHash(secret)).toBeNull();
    expect(await s.findKeyByHash(hashKey(newKeySecret()))).toBeNull();
  });

  test('listKeys, optionally by tenant', async () => {
    const s = track(new SqliteStore(url));
    const a = await s.addTenant('a');
    const b = await s.addTenant('b');
    const ka = await s.addKey(newKey(a.id).key);
    const kb = await s.addKey(newKey(b.id).key);
    expect((await s.listKeys()).map((k) => k.id).sort()).toEqual([ka.id, kb.id].sort());
    expect((await s.listKeys('a')).map((k) => k.id)).toEqual([ka.id]);
    expect(await s.listKeys('nobody')).toEqual([]);
  });

  test('revoke sets revoked_at once; unknown ids are false', async () => {
    const s = track(new SqliteStore(url));
    const a = await s.addTenant('a');
    const k = await s.addKey(newKey(a.id).key);
    const at = Date.now();
    expect(await s.revokeKey(k.id, at)).toBe(true);
    expect((await s.getKey(k.id))?.revoked_at).toBe(at);
    expect(await s.revokeKey(k.id, at + 5)).toBe(false);
    expect((await s.getKey(k.id))?.revoked_at).toBe(at);
    expect(await s.revokeKey('key_nope', at)).toBe(false);
  });

  test('setKeyExpiry', async () => {
    const s = track(new SqliteStore(url));
    const a = await s.addTenant('a');
    const k = await s.addKey(newKey(a.id).key);
    expect(await s.setKeyExpiry(k.id, 12345)).toBe(true);
    expect((await s.getKey(k.id))?.expires_at).toBe(12345);
    expect(await s.setKeyExpiry('key_nope', 1)).toBe(false);
  });

  test('a key for an unknown tenant id is refused (foreign keys are on)', async () => {
    const s = track(new SqliteStore(url));
    await expect(s.addKey(newKey('ten_missing').key)).rejects.toThrow();
  });

  test('createKey for an unknown tenant fails and stores nothing', async () => {
    const s = track(new SqliteStore(url));
    await expect(createKey(s, 'ghost', {})).rejects.toThrow(/ghost/);
    expect(await s.listKeys()).toEqual([]);
  });
});

describe('changeToken', () => {
  test('changes when ANOTHER connection writes', async () => {
    const s = track(new SqliteStore(url));
    const before = s.changeToken();
    expect(s.changeToken()).toBe(before);

    const other = track(new Database(file));
    other.query('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run('ten_other', 'from-elsewhere', Date.now());
    const after = s.changeToken();
    expect(after).not.toBe(before);
    expect((await s.getTenant('from-elsewhere'))?.id).toBe('ten_other');

    other.query('UPDATE tenants SET name = ? WHERE id = ?').run('renamed', 'ten_other');
    expect(s.changeToken()).not.toBe(after);
  });

  test('changes when another SqliteStore (another CLI process) revokes a key', async () => {
    const server = track(new SqliteStore(url));
    const cli = track(new SqliteStore(url));
    const t = await cli.addTenant('acme');
    const k = await cli.addKey(newKey(t.id).key);
    const token = server.changeToken();
    await cli.revokeKey(k.id, Date.now());
    expect(server.changeToken()).not.toBe(token);
    expect((await server.getKey(k.id))?.revoked_at).not.toBeNull();
  });

  test('reads alone do not change it', async () => {
    const s = track(new SqliteStore(url));
    const other = track(new Database(file));
    const token = s.changeToken();
    other.query('SELECT * FROM tenants').all();
    await s.listTenants();
    expect(s.changeToken()).toBe(token);
  });
});

describe('ids', () => {
  const BASE62 = /^[0-9A-Za-z]*$/;

  test('newKeySecret: mk- + 32+ base62 characters, unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const s = newKeySecret();
      expect(s.startsWith('mk-')).toBe(true);
      expect(s.slice(3)).toMatch(/^[0-9A-Za-z]{32,}$/);
      seen.add(s);
    }
    expect(seen.size).toBe(1000);
  });

  test('tenant and key ids', () => {
    expect(newTenantId()).toMatch(/^ten_[0-9A-Za-z]{16}$/);
    expect(newKeyId()).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(newKeyId()).not.toBe(newKeyId());
  });

  test('randomBase62 returns exactly the length asked for', () => {
    for (const n of [0, 1, 2, 7, 16, 40, 61, 62, 63, 1000]) {
      const s = randomBase62(n);
      expect(s).toHaveLength(n);
      expect(s).toMatch(BASE62);
    }
  });

  test('randomBase62 is roughly uniform (no modulo bias)', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const perChar = 2000;
    const text = randomBase62(62 * perChar);
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const ch of alphabet) {
      const n = counts.get(ch) ?? 0;
      // sd ≈ 44; `byte % 62` without rejection would put '0'..'7' ~25% (≈ +500) high. ±12% = ±240 ≈ 5.4 sd.
      expect(n, ch).toBeGreaterThan(perChar * 0.88);
      expect(n, ch).toBeLessThan(perChar * 1.12);
    }
  });

  test('hashKey is SHA-256 hex of the secret', () => {
    const secret = 'mk-abc';
    expect(hashKey(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hashKey(secret)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('displayPrefix is the mk- prefix plus a few characters', () => {
    const s = newKeySecret();
    const p = displayPrefix(s);
    expect(p.startsWith('mk-')).toBe(true);
    expect(s.startsWith(p)).toBe(true);
    expect(p.length).toBeLessThanOrEqual(12);
  });
});
