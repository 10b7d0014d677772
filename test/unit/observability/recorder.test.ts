// The request log's writer: batches, a bounded queue that spills to a file when full, rows the store refuses
// spilled too, and the spill file replayed into the store on the next start, in order and exactly once.
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../../../src/observability/record.ts';
import { UsageRecorder } from '../../../src/observability/recorder.ts';
import type { NewRequestRow, RequestLog } from '../../../src/store/request-log.ts';

function record(i: number): RequestRecord {
  return {
    ts: 1_700_000_000_000 + i, request_id: `req_${i}`, trace_id: `t${i}`, session_id: null, tenant: 'acme', key_id: 'key_1', endpoint: 'chat', protocol: 'openai',
    model: 'gpt-4o', provider: 'openai', upstream_model: 'gpt-4o', attempts: 1, path: null, status: 200, error_code: null, stream: false, latency_ms: 1,
    ttft_ms: null, prompt_tokens: 1, completion_tokens: 1, cached_tokens: 0, reasoning_tokens: 0, partial: false, estimated: false, cost_usd: 0, cache_hit: false, saved_cost_usd: null,
    client_ip: null, user_agent: null,
  };
}

/** A log that stores rows, or refuses while `down`. */
function fakeLog() {
  const rows: NewRequestRow[] = [];
  let down = false;
  const log = { append: (batch: readonly NewRequestRow[]) => {
    if (down) throw new Error('database is locked');
    rows.push(...batch);
  } } as unknown as RequestLog;
  return { log, rows, setDown: (d: boolean) => (down = d) };
}

const spillPath = () => join(mkdtempSync(join(tmpdir(), 'dvara-spill-')), 'usage.spill.jsonl');

describe('usage recorder', () => {
  test('rows are written in batches, off the caller: nothing until the flush window or the batch size', async () => {
    const f = fakeLog();
    const r = new UsageRecorder(f.log, { spillPath: spillPath(), flushMs: 10, maxBatch: 3 });
    r.add({ record: record(1) });
    expect(f.rows).toHaveLength(0);
    await Bun.sleep(25);
    expect(f.rows).toHaveLength(1);
    for (let i = 2; i <= 4; i++) r.add({ record: record(i) });
    await Promise.resolve();
    expect(f.rows.map((x) => x.record.request_id)).toEqual(['req_1', 'req_2', 'req_3', 'req_4']);
  });

  test('rows the store refuses go to the spill file, and are replayed in order on the next start', () => {
    const f = fakeLog();
    const path = spillPath();
    f.setDown(true);
    const r = new UsageRecorder(f.log, { spillPath: path, flushMs: 1_000 });
    for (let i = 1; i <= 5; i++) r.add({ record: record(i) });
    r.flush();
    expect(f.rows).toHaveLength(0);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(r.spilled).toBe(5);
    f.setDown(false);
    new UsageRecorder(f.log, { spillPath: path });
    expect(f.rows.map((x) => x.record.request_id)).toEqual(['req_1', 'req_2', 'req_3', 'req_4', 'req_5']);
    expect(existsSync(path)).toBe(false);
  });

  test('a full queue spills instead of growing without bound; nothing is dropped', () => {
    const f = fakeLog();
    const path = spillPath();
    const r = new UsageRecorder(f.log, { spillPath: path, flushMs: 1_000, maxQueue: 3, maxBatch: 100 });
    for (let i = 1; i <= 5; i++) r.add({ record: record(i) });
    expect(r.depth).toBe(3);
    expect(r.spilled).toBe(2);
    r.flush();
    expect(r.replaySpill()).toBe(2);
    expect(f.rows.map((x) => x.record.request_id).sort()).toEqual(['req_1', 'req_2', 'req_3', 'req_4', 'req_5']);
  });
});
