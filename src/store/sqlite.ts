import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { newKeyId, newTenantId } from './ids.ts';
import { RequestLog } from './request-log.ts';
import type { ApiKeyRecord, NewKey, Store, Tenant } from './types.ts';

export class StoreError extends Error {
  override name = 'StoreError';
}

/** A key row as SQLite returns it: `models` still JSON text. */
type KeyRow = Omit<ApiKeyRecord, 'models'> & { models: string | null };

const KEY_COLUMNS = `k.id, k.tenant_id, t.name AS tenant, k.name, k.prefix, k.models, k.rpm, k.tpm, k.budget_usd,
  k.expires_at, k.created_at, k.revoked_at`;

function toKey(row: KeyRow): ApiKeyRecord {
  return { ...row, models: row.models ? (JSON.parse(row.models) as string[]) : null };
}

/** `sqlite:./dvara.db`, `sqlite:/abs/path.db` or `sqlite::memory:`. */
export function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length);
  if (!path) throw new StoreError(`store URL "${url}" names no file (use e.g. sqlite:./dvara.db)`);
  return path;
}

export class SqliteStore implements Store {
  private readonly db: Database;
  private readonly dataVersion;
  /** data_version only moves for other connections' commits; this counts our own. */
  private localWrites = 0;

  constructor(readonly url: string) {
    const path = sqlitePath(url);
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, { create: true, strict: true });
    } catch (e) {
      throw new StoreError(`cannot open ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
      this.migrate();
    } catch (e) {
      this.db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(`cannot use ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.dataVersion = this.db.query<{ data_version: number }, []>('PRAGMA data_version');
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const current = this.db.query<{ v: number | null }, []>('SELECT MAX(version) AS v FROM schema_migrations').get()?.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new StoreError(
        `the store at ${this.url} has schema version ${current}, newer than this dvara supports (${SCHEMA_VERSION}); upgrade dvara`,
      );
    }
    const apply = this.db.transaction((m: (typeof MIGRATIONS)[number]) => {
      this.db.exec(m.sql);
      this.db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    });
    for (const m of MIGRATIONS) if (m.version > current) apply.immediate(m);
  }

  /** The request log and admin-event chains, signed with `hmacKey` (unsigned without one). */
  requestLog(hmacKey: string | null): RequestLog {
    return new RequestLog(this.db, hmacKey);
  }

  async ping(): Promise<void> {
    this.db.query('SELECT 1').get();
  }

  close(): void {
    this.db.close();
  }

  changeToken(): number {
    return (this.dataVersion.get()?.data_version ?? 0) + this.localWrites;
  }

  async addTenant(name: string): Promise<Tenant> {
    this.localWrites++;
    const tenant: Tenant = { id: newTenantId(), name, created_at: Date.now() };
    try {
      this.db.query('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(tenant.id, tenant.name, tenant.created_at);
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw new StoreError(`tenant "${name}" already exists`);
      throw e;
    }
    return tenant;
  }

  async getTenant(name: string): Promise<Tenant | null> {
    return this.db.query<Tenant, [string]>('SELECT id, name, created_at FROM tenants WHERE name = ?').get(name);
  }

  async listTenants(): Promise<Array<Tenant & { keys: number }>> {
    return this.db
      .query<Tenant & { keys: number }, []>(
        `SELECT t.id, t.name, t.created_at, COUNT(k.id) AS keys FROM tenants t
         LEFT JOIN api_keys k ON k.tenant_id = t.id AND k.revoked_at IS NULL
         GROUP BY t.id ORDER BY t.created_at, t.name`,
      )
      .all();
  }

  async removeTenant(name: string): Promise<number | null> {
    this.localWrites++;
    const remove = this.db.transaction((): number | null => {
      const t = this.db.query<{ id: string }, [string]>('SELECT id FROM tenants WHERE name = ?').get(name);
      if (!t) return null;
      const keys = this.db.query('DELETE FROM api_keys WHERE tenant_id = ?').run(t.id).changes;
      this.db.query('DELETE FROM tenants WHERE id = ?').run(t.id);
      return keys;
    });
    return remove.immediate();
  }

  async addKey(key: NewKey): Promise<ApiKeyRecord> {
    this.localWrites++;
    const id = newKeyId();
    this.db
      .query(
        `INSERT INTO api_keys (id, tenant_id, name, prefix, hash, models, rpm, tpm, budget_usd, expires_at, created_at)
         VALUES ($id, $tenant_id, $name, $prefix, $hash, $models, $rpm, $tpm, $budget_usd, $expires_at, $created_at)`,
      )
      .run({ ...key, id, models: key.models ? JSON.stringify(key.models) : null, created_at: Date.now() });
    return (await this.getKey(id))!;
  }

  async getKey(id: string): Promise<ApiKeyRecord | null> {
    const row = this.db
      .query<KeyRow, [string]>(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?`)
      .get(id);
    return row ? toKey(row) : null;
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.db
      .query<KeyRow, [string]>(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.hash = ?`)
      .get(hash);
    return row ? toKey(row) : null;
  }

  async listKeys(tenantName?: string): Promise<ApiKeyRecord[]> {
    const where = tenantName === undefined ? '' : 'WHERE t.name = ?';
    const rows = this.db
      .query<KeyRow, string[]>(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id ${where} ORDER BY k.created_at`)
      .all(...(tenantName === undefined ? [] : [tenantName]));
    return rows.map(toKey);
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    this.localWrites++;
    return this.db.query('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }

  async setKeyExpiry(id: string, at: number): Promise<boolean> {
    this.localWrites++;
    return this.db.query('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(at, id).changes > 0;
  }
}

export function openStore(url: string): Store {
  if (url.startsWith('sqlite:')) return new SqliteStore(url);
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new StoreError('PostgreSQL stores are not supported by this build yet; use sqlite:./dvara.db');
  }
  throw new StoreError(`unsupported store URL "${url}" (use sqlite:./path.db)`);
}
