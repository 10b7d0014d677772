// Versioned schema. Append only: a released migration is never edited, a new one is added.

export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'tenants and keys',
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name TEXT,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        models TEXT,
        rpm INTEGER,
        tpm INTEGER,
        budget_usd REAL,
        expires_at INTEGER,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
    `,
  },
  {
    version: 2,
    name: 'request log and audit chain',
    sql: `
      CREATE TABLE requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        session_id TEXT,
        tenant TEXT,
        key_id TEXT,
        endpoint TEXT NOT NULL,
        protocol TEXT NOT NULL,
        model TEXT,
        provider TEXT,
        upstream_model TEXT,
        attempts INTEGER NOT NULL,
        path TEXT,
        status INTEGER NOT NULL,
        error_code TEXT,
        stream INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        ttft_ms REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cached_tokens INTEGER,
        reasoning_tokens INTEGER,
        partial INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        cost_usd REAL,
        cache_hit INTEGER NOT NULL,
        saved_cost_usd REAL,
        client_ip TEXT,
        user_agent TEXT,
        request_body TEXT,
        response_body TEXT,
        prev_hmac TEXT,
        hmac TEXT
      );
      CREATE INDEX requests_ts ON requests(ts);
      CREATE INDEX requests_tenant_ts ON requests(tenant, ts);
      CREATE TABLE admin_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT,
        prev_hmac TEXT,
        hmac TEXT
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
