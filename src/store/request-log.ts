import type { Database } from 'bun:sqlite';
import { createHmac } from 'node:crypto';
import type { RequestRecord } from '../observability/record.ts';

// The request log and the admin-event log in SQLite, each a tamper-evident chain: a row's HMAC covers its content
// and the previous row's HMAC (kept in the row as prev_hmac, so pruning old rows leaves a verifiable chain).
// Rows are appended in batches, in one transaction that reads the chain's last HMAC itself, so concurrent
// writers (the gateway and an admin CLI) never fork it.

/** A stored request row: the record plus its position, optional bodies and chain. */
export interface StoredRequest extends RequestRecord {
  seq: number;
  request_body: string | null;
  response_body: string | null;
  prev_hmac: string | null;
  hmac: string | null;
}

export interface NewRequestRow {
  record: RequestRecord;
  requestBody?: string | null;
  responseBody?: string | null;
}

export interface RequestFilter {
  sinceSeq?: number;
  since?: number;
  tenant?: string;
  keyId?: string;
  model?: string;
  status?: number;
  errorsOnly?: boolean;
  limit?: number;
}

export interface UsageRow {
  group: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  /** Requests whose model has no known price (their cost is not in cost_usd). */
  unpriced: number;
  errors: number;
}

export type UsageGrouping = 'tenant' | 'key' | 'model' | 'day';

export interface ChainReport {
  table: 'requests' | 'admin_events';
  rows: number;
  ok: boolean;
  /** The first broken link: the row whose HMAC or link to its predecessor does not verify. */
  broken?: { seq: number; reason: string };
}

/** The columns an HMAC covers, in a fixed order; bodies included when logged. */
const REQUEST_FIELDS = [
  'ts', 'request_id', 'trace_id', 'session_id', 'tenant', 'key_id', 'endpoint', 'protocol', 'model', 'provider', 'upstream_model',
  'attempts', 'path', 'status', 'error_code', 'stream', 'latency_ms', 'ttft_ms', 'prompt_tokens', 'completion_tokens', 'cached_tokens',
  'reasoning_tokens', 'partial', 'estimated', 'cost_usd', 'cache_hit', 'saved_cost_usd', 'client_ip', 'user_agent', 'request_body', 'response_body',
] as const;
const ADMIN_FIELDS = ['ts', 'actor', 'action', 'target', 'detail'] as const;

type Row = Record<string, string | number | boolean | null>;

/** Booleans as 0/1 and numbers as SQLite stores them, so a row reads back exactly as it was signed. */
function dbValue(v: unknown): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as string | number;
}

function sign(key: string, prev: string | null, fields: readonly string[], row: Row): string {
  const h = createHmac('sha256', key);
  h.update(prev ?? '');
  for (const f of fields) h.update(`\u0000${f}=${JSON.stringify(row[f] ?? null)}`);
  return h.digest('hex');
}

export class RequestLog {
  constructor(
    private readonly db: Database,
    private readonly hmacKey: string | null,
  ) {}

  /** Appends rows in one transaction; the chain continues from whatever row is last in the table. */
  append(rows: readonly NewRequestRow[]): void {
    if (rows.length === 0) return;
    const insert = this.db.query(
      `INSERT INTO requests (${REQUEST_FIELDS.join(', ')}, prev_hmac, hmac) VALUES (${REQUEST_FIELDS.map(() => '?').join(', ')}, ?, ?)`,
    );
    const last = this.db.query<{ hmac: string | null }, []>('SELECT hmac FROM requests ORDER BY seq DESC LIMIT 1');
    this.db
      .transaction(() => {
        let prev = last.get()?.hmac ?? null;
        for (const r of rows) {
          const row: Row = {};
          for (const f of REQUEST_FIELDS) row[f] = dbValue((r.record as unknown as Row)[f]);
          row.request_body = r.requestBody ?? null;
          row.response_body = r.responseBody ?? null;
          const hmac = this.hmacKey ? sign(this.hmacKey, prev, REQUEST_FIELDS, row) : null;
          insert.run(...REQUEST_FIELDS.map((f) => row[f] as string | number | null), prev, hmac);
          prev = hmac;
        }
      })
      .immediate();
  }

  /** Rows matching the filter, oldest first (the last `limit` when no `sinceSeq` is given). */
  query(f: RequestFilter = {}): StoredRequest[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (f.sinceSeq !== undefined) (where.push('seq > ?'), args.push(f.sinceSeq));
    if (f.since !== undefined) (where.push('ts >= ?'), args.push(f.since));
    if (f.tenant) (where.push('tenant = ?'), args.push(f.tenant));
    if (f.keyId) (where.push('key_id = ?'), args.push(f.keyId));
    if (f.model) (where.push('(model = ? OR upstream_model = ?)'), args.push(f.model, f.model));
    if (f.status !== undefined) (where.push('status = ?'), args.push(f.status));
    if (f.errorsOnly) where.push('(status >= 400 OR error_code IS NOT NULL)');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = f.limit ?? 1000;
    const order = f.sinceSeq !== undefined ? 'ASC' : 'DESC';
    const rows = this.db.query<Row, Array<string | number>>(`SELECT * FROM requests ${clause} ORDER BY seq ${order} LIMIT ${Math.floor(limit)}`).all(...args);
    const out = rows.map(fromRow);
    return order === 'DESC' ? out.reverse() : out;
  }

  /** Token and cost totals since a time, grouped. */
  usage(since: number, by: UsageGrouping): UsageRow[] {
    const group = { tenant: "COALESCE(tenant, '-')", key: "COALESCE(key_id, '-')", model: "COALESCE(model, '-')", day: "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')" }[by];
    return this.db
      .query<UsageRow, [number]>(
        `SELECT ${group} AS "group", COUNT(*) AS requests, COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
           COALESCE(SUM(completion_tokens), 0) AS completion_tokens, COALESCE(SUM(cached_tokens), 0) AS cached_tokens,
           COALESCE(SUM(cost_usd), 0) AS cost_usd, SUM(CASE WHEN cost_usd IS NULL AND prompt_tokens IS NOT NULL THEN 1 ELSE 0 END) AS unpriced,
           SUM(CASE WHEN status >= 400 OR error_code IS NOT NULL THEN 1 ELSE 0 END) AS errors
         FROM requests WHERE ts >= ? GROUP BY 1 ORDER BY 1`,
      )
      .all(since);
  }

  /**
   * Deletes rows older than `before`, a batch at a time so the gateway's writes are never held up long. Only the
   * run of rows before the first one to keep goes (in write order): a request that arrived earlier but finished
   * later stays, so the chain never gets a hole in the middle.
   */
  async prune(before: number, batch = 5_000): Promise<number> {
    const del = this.db.query<unknown, [number, number, number]>(
      `DELETE FROM requests WHERE seq IN (SELECT seq FROM requests WHERE ts < ? AND seq < COALESCE((SELECT MIN(seq) FROM requests WHERE ts >= ?), (SELECT MAX(seq) + 1 FROM requests)) ORDER BY seq LIMIT ?)`,
    );
    let total = 0;
    for (;;) {
      const n = del.run(before, before, batch).changes;
      total += n;
      if (n < batch) return total;
      await Bun.sleep(0); // let writers in between batches
    }
  }

  /** Appends an admin action (tenant and key changes) to its own chain. */
  appendAdminEvent(e: { actor: string; action: string; target: string | null; detail: string | null }): void {
    const row: Row = { ts: Date.now(), ...e };
    this.db
      .transaction(() => {
        const prev = this.db.query<{ hmac: string | null }, []>('SELECT hmac FROM admin_events ORDER BY seq DESC LIMIT 1').get()?.hmac ?? null;
        const hmac = this.hmacKey ? sign(this.hmacKey, prev, ADMIN_FIELDS, row) : null;
        this.db.query('INSERT INTO admin_events (ts, actor, action, target, detail, prev_hmac, hmac) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          row.ts as number, e.actor, e.action, e.target, e.detail, prev, hmac,
        );
      })
      .immediate();
  }

  /** Walks both chains; reports the first row whose HMAC or link does not verify. */
  verify(): ChainReport[] {
    if (!this.hmacKey) throw new Error('no audit key: set audit.hmac_key in the config (the key the gateway signs rows with)');
    return [this.verifyTable('requests', REQUEST_FIELDS), this.verifyTable('admin_events', ADMIN_FIELDS)];
  }

  private verifyTable(table: 'requests' | 'admin_events', fields: readonly string[]): ChainReport {
    let prev: string | null | undefined;
    let rows = 0;
    for (const row of this.db.query<Row, []>(`SELECT * FROM ${table} ORDER BY seq`).iterate()) {
      rows++;
      const seq = row.seq as number;
      // The first remaining row may link to a pruned one; every later row must link to the row before it.
      if (prev !== undefined && row.prev_hmac !== prev) return { table, rows, ok: false, broken: { seq, reason: 'does not link to the row before it (a row was deleted or reordered)' } };
      if (row.hmac === null) return { table, rows, ok: false, broken: { seq, reason: 'is not signed (written without an audit key)' } };
      if (sign(this.hmacKey!, (row.prev_hmac as string | null) ?? null, fields, row) !== row.hmac) return { table, rows, ok: false, broken: { seq, reason: 'content does not match its HMAC (the row was edited)' } };
      prev = row.hmac as string;
    }
    return { table, rows, ok: true };
  }
}

function fromRow(r: Row): StoredRequest {
  return { ...(r as unknown as StoredRequest), stream: r.stream === 1, partial: r.partial === 1, estimated: r.estimated === 1, cache_hit: r.cache_hit === 1 };
}
