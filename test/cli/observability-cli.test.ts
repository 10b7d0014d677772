// `dvara tail`, `dvara usage`, `dvara audit verify` and the admin-event log, against a temp SQLite store seeded by
// hand; plus `tail --url` against a small server that mounts handleAdminRequests behind its own token check.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../../src/observability/record.ts';
import { handleAdminRequests, readRequests } from '../../src/server/admin-requests.ts';
import { DvaraError } from '../../src/server/errors.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { BUN, LiveProcess, MAIN, lines, parseJsonOutput, runCli, type RunOptions } from './run.ts';

setDefaultTimeout(30_000);

const AUDIT_KEY = 'test-audit-key-0123456789';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
let dir: string;
const live: LiveProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvara-obs-cli-'));
});

afterAll(() => {
  for (const p of live) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], opts: RunOptions = {}) => runCli(args, { cwd: dir, ...opts });

let counter = 0;
const freshStore = () => `sqlite:${join(dir, `store-${++counter}.db`)}`;
const dbFile = (url: string) => url.slice('sqlite:'.length);

let traces = 0;
/** A plausible successful chat request; `over` changes what a test cares about. */
function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  const n = ++traces;
  return {
    ts: Date.now(), request_id: `req_${n}`, trace_id: `trace${String(n).padStart(4, '0')}`, session_id: null, tenant: 'acme', key_id: 'key_a',
    endpoint: 'chat', protocol: 'openai', model: 'gpt-4o', provider: 'openai', upstream_model: 'gpt-4o-2024-08-06', attempts: 1, path: null,
    status: 200, error_code: null, stream: false, latency_ms: 321.4, ttft_ms: null, prompt_tokens: 10, completion_tokens: 5, cached_tokens: null,
    reasoning_tokens: null, partial: false, estimated: false, cost_usd: 0.000123, cache_hit: false, saved_cost_usd: null, client_ip: null, user_agent: null, ...over,
  };
}

/** Appends rows to the store's signed chain (another connection, as the gateway would be). */
function seed(url: string, records: RequestRecord[], body: string | null = null): void {
  const store = new SqliteStore(url);
  try {
    store.requestLog(AUDIT_KEY).append(records.map((record) => ({ record, requestBody: body, responseBody: body })));
  } finally {
    store.close();
  }
}

function sql(url: string, statement: string): void {
  const db = new Database(dbFile(url));
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

interface Row extends RequestRecord {
  seq: number;
}
const jsonLines = (stdout: string) => lines(stdout).map((l) => JSON.parse(l) as Row);

describe('tail', () => {
  let store: string;
  const rows = [
    rec({ tenant: 'acme' }),
    rec({ tenant: 'beta', model: 'claude', provider: 'anthropic', upstream_model: 'claude-sonnet', status: 429, error_code: 'RATE_LIMITED', cost_usd: null, prompt_tokens: null, completion_tokens: null }),
    rec({ tenant: 'acme', stream: true, ttft_ms: 88.2, partial: true, cached_tokens: 4, attempts: 2, status: 200, error_code: 'PROVIDER_ERROR' }),
    rec({ tenant: 'beta', estimated: true, cost_usd: null, key_id: 'key_b' }),
  ];
  beforeAll(() => {
    store = freshStore();
    seed(store, rows, 'SECRET-PROMPT-TEXT');
  });

  test('-n 2: the last two requests, oldest first, one line each', async () => {
    const r = await cli(['tail', '-n', '2', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d {2}200 PROVIDER_ERROR {2}acme {2}gpt-4o → openai\/gpt-4o-2024-08-06 {2}10\/5 \(partial\) cached 4 {2}\$0\.000123 {2}321ms \(ttft 88ms\) {2}2 attempts {2}trace0003$/);
    expect(out[1]).toContain('10/5 (est)');
    expect(out[1]).toMatch(/ {2}- {2}321ms {2}trace0004$/); // unknown cost
    expect(r.stdout).not.toContain(rows[0]!.trace_id);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  test('--json: one object per line, without bodies or HMACs', async () => {
    const r = await cli(['tail', '--json', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    const got = jsonLines(r.stdout);
    expect(got.map((x) => x.trace_id)).toEqual(rows.map((x) => x.trace_id));
    expect(got[2]).toMatchObject({ ...rows[2], seq: 3 });
    for (const x of got) for (const k of ['request_body', 'response_body', 'hmac', 'prev_hmac']) expect(x).not.toHaveProperty(k);
    expect(r.stdout).not.toContain('SECRET-PROMPT-TEXT');
  });

  test('filters: --tenant, --errors, --status, --key, --model', async () => {
    const traceOf = async (args: string[]) => {
      const r = await cli(['tail', '--json', '--store', store, ...args]);
      expect(r.code, r.stderr).toBe(0);
      return jsonLines(r.stdout).map((x) => x.trace_id);
    };
    const t = (i: number) => rows[i]!.trace_id;
    expect(await traceOf(['--tenant', 'beta'])).toEqual([t(1), t(3)]);
    expect(await traceOf(['--errors'])).toEqual([t(1), t(2)]);
    expect(await traceOf(['--status', '429'])).toEqual([t(1)]);
    expect(await traceOf(['--key', 'key_b'])).toEqual([t(3)]);
    expect(await traceOf(['--model', 'claude-sonnet'])).toEqual([t(1)]);
    expect(await traceOf(['--tenant', 'nobody'])).toEqual([]);
  });

  test('bad flags → exit 1', async () => {
    for (const flags of [['-n', '0'], ['-n', 'x'], ['--status', '9'], ['--url', 'ftp://x', '--admin-token', 't']]) {
      const r = await cli(['tail', '--store', store, ...flags]);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
    }
  });

  test('-f prints rows appended after it started; SIGINT ends it with exit 0', async () => {
    const s = freshStore();
    seed(s, [rec({ trace_id: 'before-follow' })]);
    const p = new LiveProcess([BUN, MAIN, 'tail', '-f', '--store', s], { cwd: dir });
    live.push(p);
    await p.waitForStdout(/before-follow/);
    seed(s, [rec({ trace_id: 'after-follow-1', tenant: 'late' }), rec({ trace_id: 'after-follow-2', tenant: 'other' })]);
    await p.waitForStdout(/after-follow-2/);
    expect(await p.stop('SIGINT')).toBe(0);
    expect(lines(p.stdout)).toHaveLength(3);
    expect(p.stdout).toMatch(/200 {2}late {2}gpt-4o/);
  });

  test('-f with a filter only prints matching new rows', async () => {
    const s = freshStore();
    seed(s, [rec({ trace_id: 'seed-row' })]);
    const p = new LiveProcess([BUN, MAIN, 'tail', '-f', '--json', '--errors', '--store', s], { cwd: dir });
    live.push(p);
    await Bun.sleep(600); // nothing matches yet, so there is no first line to wait for
    seed(s, [rec({ trace_id: 'ok-row' }), rec({ trace_id: 'err-row', status: 502, error_code: 'PROVIDER_ERROR' })]);
    await p.waitForStdout(/err-row/);
    expect(await p.stop('SIGINT')).toBe(0);
    expect(jsonLines(p.stdout).map((x) => x.trace_id)).toEqual(['err-row']);
  });
});

describe('usage', () => {
  const DAY = 86_400_000;

  test('--by model --json: totals per model, unpriced and errors counted', async () => {
    const s = freshStore();
    seed(s, [
      rec({ model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 20, cached_tokens: 30, cost_usd: 0.5 }),
      rec({ model: 'gpt-4o', prompt_tokens: 50, completion_tokens: 10, cost_usd: 0.25, status: 500, error_code: 'PROVIDER_ERROR' }),
      rec({ model: 'local', prompt_tokens: 7, completion_tokens: 3, cost_usd: null }),
      rec({ model: 'gpt-4o', ts: Date.now() - 40 * DAY, prompt_tokens: 1000, cost_usd: 9 }), // outside the default 30d
    ]);
    const r = await cli(['usage', '--by', 'model', '--json', '--store', s]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonOutput(r.stdout)).toEqual([
      { group: 'gpt-4o', requests: 2, prompt_tokens: 150, completion_tokens: 30, cached_tokens: 30, cost_usd: 0.75, unpriced: 0, errors: 1 },
      { group: 'local', requests: 1, prompt_tokens: 7, completion_tokens: 3, cached_tokens: 0, cost_usd: 0, unpriced: 1, errors: 0 },
    ]);
    const all = parseJsonOutput<Array<{ requests: number }>>((await cli(['usage', '--since', '60d', '--by', 'model', '--json', '--store', s])).stdout);
    expect(all[0]!.requests).toBe(3);

    const text = await cli(['usage', '--by', 'model', '--store', s]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/MODEL\s+REQUESTS\s+PROMPT\s+COMPLETION\s+CACHED\s+COST USD\s+ERRORS/);
    expect(text.stdout).toMatch(/gpt-4o\s+2\s+150\s+30\s+30\s+0\.7500\s+1/);
    expect(text.stdout).toMatch(/TOTAL\s+3\s+157\s+33\s+30\s+0\.7500\s+1/);
    expect(text.stdout).toContain('1 request had no price; their cost is not included');
  });

  test('default grouping is by tenant; an empty log says so', async () => {
    const s = freshStore();
    expect((await cli(['usage', '--store', s])).stdout).toContain('No requests since');
    seed(s, [rec({ tenant: 'acme', cost_usd: 0.000123 }), rec({ tenant: 'beta' })]);
    const r = await cli(['usage', '--store', s]);
    expect(r.stdout).toMatch(/^TENANT\s+REQUESTS/);
    expect(r.stdout).toMatch(/acme\s+1\s+10\s+5\s+0\s+0\.000123\s+0/);
    expect((await cli(['usage', '--by', 'week', '--store', s])).code).toBe(1);
  });

  test('prune --before deletes older rows and says how many; the chain still verifies', async () => {
    const s = freshStore();
    seed(s, [rec({ ts: Date.now() - 100 * DAY }), rec({ ts: Date.now() - 95 * DAY }), rec({ trace_id: 'recent-row' })]);
    const r = await cli(['usage', 'prune', '--before', '90d', '--store', s, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonOutput(r.stdout)).toMatchObject({ deleted: 2, before: expect.any(String) });
    const again = await cli(['usage', 'prune', '--before', '90d', '--store', s]);
    expect(again.stdout).toContain('Deleted 0 requests');
    expect(jsonLines((await cli(['tail', '--json', '--store', s])).stdout).map((x) => x.trace_id)).toEqual(['recent-row']);
    expect((await cli(['audit', 'verify', '--key', AUDIT_KEY, '--store', s])).code).toBe(0);
    expect((await cli(['usage', 'prune', '--store', s])).code).toBe(1); // --before is required
  });
});

describe('audit verify', () => {
  test('intact chains → exit 0; the key may come from the config (${VAR}), $DVARA_AUDIT_KEY or --key', async () => {
    const s = freshStore();
    seed(s, [rec(), rec(), rec()]);
    const config = join(dir, 'audit.yaml');
    writeFileSync(config, `store: ${s}\naudit:\n  hmac_key: \${DVARA_TEST_AUDIT_KEY}\nproviders:\n  openai: { type: openai, api_key: \${DVARA_TEST_UNSET_SECRET} }\n`);
    const viaConfig = await cli(['audit', 'verify', '-c', config], { env: { DVARA_TEST_AUDIT_KEY: AUDIT_KEY } });
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(viaConfig.stdout).toContain('requests: 3 rows, chain intact');
    expect(viaConfig.stdout).toContain('admin_events: 0 rows, chain intact');
    expect((await cli(['audit', 'verify', '--store', s], { env: { DVARA_AUDIT_KEY: AUDIT_KEY } })).code).toBe(0);
    const json = await cli(['audit', 'verify', '--store', s, '--key', AUDIT_KEY, '--json']);
    expect(parseJsonOutput(json.stdout)).toEqual({
      ok: true,
      tables: [{ table: 'requests', rows: 3, ok: true, broken: null }, { table: 'admin_events', rows: 0, ok: true, broken: null }],
    });
  });

  test('no key → exit 1 with a clear message; a wrong key → exit 1', async () => {
    const s = freshStore();
    seed(s, [rec()]);
    const none = await cli(['audit', 'verify', '--store', s], { env: { DVARA_AUDIT_KEY: undefined } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no audit key');
    const wrong = await cli(['audit', 'verify', '--store', s, '--key', 'not-the-key-at-all-0000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('requests: broken at seq 1');
  });

  test('an edited row → exit 1 naming its seq and "edited"', async () => {
    const s = freshStore();
    seed(s, [rec(), rec(), rec()]);
    sql(s, 'UPDATE requests SET prompt_tokens = 999 WHERE seq = 2');
    const r = await cli(['audit', 'verify', '--store', s, '--key', AUDIT_KEY]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^requests: broken at seq 2: .*edited/m);
    const json = parseJsonOutput<{ ok: boolean; tables: Array<{ broken: { seq: number } | null }> }>(
      (await cli(['audit', 'verify', '--store', s, '--key', AUDIT_KEY, '--json'])).stdout,
    );
    expect(json.ok).toBe(false);
    expect(json.tables[0]!.broken?.seq).toBe(2);
  });

  test('a deleted middle row → exit 1 "deleted"', async () => {
    const s = freshStore();
    seed(s, [rec(), rec(), rec()]);
    sql(s, 'DELETE FROM requests WHERE seq = 2');
    const r = await cli(['audit', 'verify', '--store', s, '--key', AUDIT_KEY]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^requests: broken at seq 3: .*deleted/m);
  });

  test('tenants and keys changes are appended as signed admin events, without secrets', async () => {
    const s = freshStore();
    const env = { DVARA_AUDIT_KEY: AUDIT_KEY, USER: 'tester' };
    expect((await cli(['tenants', 'add', 'acme', '--store', s], { env })).code).toBe(0);
    const created = await cli(['keys', 'create', '--tenant', 'acme', '--name', 'ci', '--rpm', '5', '--store', s, '--json'], { env });
    const key = parseJsonOutput<{ id: string; key: string }>(created.stdout);
    const rotated = parseJsonOutput<{ id: string; key: string }>((await cli(['keys', 'rotate', key.id, '--store', s, '--json'], { env })).stdout);
    expect((await cli(['keys', 'revoke', rotated.id, '--store', s], { env })).code).toBe(0);
    expect((await cli(['tenants', 'remove', 'acme', '--store', s], { env })).code).toBe(0);

    const db = new Database(dbFile(s), { readonly: true });
    const events = db.query<{ actor: string; action: string; target: string; detail: string; hmac: string | null }, []>('SELECT * FROM admin_events ORDER BY seq').all();
    db.close();
    expect(events.map((e) => [e.action, e.target])).toEqual([
      ['tenant.add', 'acme'], ['key.create', key.id], ['key.rotate', key.id], ['key.revoke', rotated.id], ['tenant.remove', 'acme'],
    ]);
    expect(events.every((e) => e.actor === 'cli:tester' && e.hmac !== null)).toBe(true);
    expect(JSON.parse(events[1]!.detail)).toMatchObject({ tenant: 'acme', name: 'ci', rpm: 5 });
    expect(JSON.parse(events[2]!.detail)).toMatchObject({ new_id: rotated.id });
    const all = JSON.stringify(events);
    for (const secret of [key.key, rotated.key]) expect(all).not.toContain(secret.slice(10));

    const verify = await cli(['audit', 'verify', '--store', s], { env });
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toContain('admin_events: 5 rows, chain intact');
    sql(s, "UPDATE admin_events SET detail = '{}' WHERE seq = 2");
    const tampered = await cli(['audit', 'verify', '--store', s], { env });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^admin_events: broken at seq 2: .*edited/m);
  });
});

describe('GET /admin/requests and tail --url', () => {
  let store: SqliteStore;
  let server: ReturnType<typeof Bun.serve>;
  let base: string;

  beforeAll(() => {
    store = new SqliteStore(freshStore());
    store.requestLog(AUDIT_KEY).append([rec({ trace_id: 'remote-1', tenant: 'acme' }), rec({ trace_id: 'remote-2', tenant: 'beta', status: 429, error_code: 'RATE_LIMITED' })].map((record) => ({ record, requestBody: 'SECRET-BODY' })));
    // The gateway's admin guard, reduced to what the test needs; errors rendered as the gateway's edge would.
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const url = new URL(req.url);
        if (url.pathname !== '/admin/requests') return new Response('not found', { status: 404 });
        if (req.headers.get('authorization') !== `Bearer ${ADMIN_TOKEN}`) return Response.json({ error: { message: 'Admin API: missing or wrong admin token' } }, { status: 401 });
        try {
          return handleAdminRequests(url, store.requestLog(null));
        } catch (e) {
          if (e instanceof DvaraError) return Response.json({ error: { message: e.message, param: e.param } }, { status: e.status });
          throw e;
        }
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(() => {
    server.stop(true);
    store.close();
  });

  test('the endpoint: rows without bodies or HMACs, a cursor, 400 on a bad parameter', async () => {
    const get = (q: string) => fetch(`${base}/admin/requests${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const res = await get('?limit=1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { requests: Row[]; last_seq: number };
    expect(body.requests.map((r) => r.trace_id)).toEqual(['remote-2']);
    expect(body.last_seq).toBe(2);
    expect(JSON.stringify(body)).not.toMatch(/SECRET-BODY|hmac|request_body/);
    const bad = await get('?limit=5000');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('limit');
    // A filtered follower's cursor moves past rows it skipped.
    expect(readRequests(store.requestLog(null), { filter: { tenant: 'nobody' }, limit: 10, sinceSeq: 0 })).toEqual({ requests: [], last_seq: 2 });
    expect(readRequests(store.requestLog(null), { filter: {}, limit: 1, sinceSeq: 0 }).last_seq).toBe(1);
  });

  test('tail --url --admin-token reads the gateway; filters are passed on', async () => {
    const r = await cli(['tail', '--url', base, '--admin-token', ADMIN_TOKEN]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.split('  ').pop())).toEqual(['remote-1', 'remote-2']);
    const errors = await cli(['tail', '--errors', '--json'], { env: { DVARA_URL: base, DVARA_ADMIN_TOKEN: ADMIN_TOKEN } });
    expect(jsonLines(errors.stdout).map((x) => x.trace_id)).toEqual(['remote-2']);
  });

  test('a wrong or missing token, or no gateway → exit 1 with a clear message', async () => {
    const wrong = await cli(['tail', '--url', base, '--admin-token', 'wrong-token-000000000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('refused the admin token');
    const missing = await cli(['tail', '--url', base], { env: { DVARA_ADMIN_TOKEN: undefined } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('admin token');
    const down = await cli(['tail', '--url', 'http://127.0.0.1:9', '--admin-token', ADMIN_TOKEN]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach');
  });

  test('tail --url -f prints rows as they are logged; SIGINT → exit 0', async () => {
    const p = new LiveProcess([BUN, MAIN, 'tail', '-f', '--url', base, '--admin-token', ADMIN_TOKEN], { cwd: dir });
    live.push(p);
    await p.waitForStdout(/remote-2/);
    store.requestLog(AUDIT_KEY).append([{ record: rec({ trace_id: 'remote-3' }) }]);
    await p.waitForStdout(/remote-3/);
    expect(await p.stop('SIGINT')).toBe(0);
    expect(lines(p.stdout)).toHaveLength(3);
  });
});
