// The request log survives the gateway stopping: a burst of requests (streams still running) then SIGTERM loses
// no row, and a kill -9 after the answers loses nothing once the flush window (20 ms) has passed.
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { BUN, childEnv, freePort, MAIN, runCli, waitForHttp } from './run.ts';

async function gateway() {
  const dir = mkdtempSync(join(tmpdir(), 'dvara-durable-'));
  const port = await freePort();
  const cfg = join(dir, 'dvara.yaml');
  writeFileSync(cfg, `server: { host: 127.0.0.1, port: ${port} }\nstore: "sqlite:${join(dir, 'dvara.db')}"\nproviders:\n  demo: { type: mock, chunk_delay: 20ms }\n`);
  await runCli(['tenants', 'add', 'acme', '-c', cfg]);
  const key = JSON.parse((await runCli(['keys', 'create', '--tenant', 'acme', '--json', '-c', cfg])).stdout).key as string;
  const proc = Bun.spawn([BUN, MAIN, 'serve', '-c', cfg], { env: childEnv(), stdout: 'ignore', stderr: 'pipe' });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`);
  const rows = () => {
    const store = new SqliteStore(`sqlite:${join(dir, 'dvara.db')}`);
    try {
      return store.requestLog(null).query({ limit: 10_000 });
    } finally {
      store.close();
    }
  };
  const chat = (stream: boolean) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'one two three four five six' }], stream }),
    });
  return { proc, rows, chat };
}

describe('durability of the request log', () => {
  test('a burst, streams still running, then SIGTERM: every request that got an answer has its row', async () => {
    const g = await gateway();
    const pending = Array.from({ length: 60 }, (_, i) => g.chat(i % 2 === 0).then((r) => r.text().then(() => r.status)));
    await Bun.sleep(60); // responses are under way; the streams drip for a while longer
    g.proc.kill('SIGTERM');
    const statuses = await Promise.all(pending.map((p) => p.catch(() => 0)));
    expect(await g.proc.exited).toBe(0);
    const answered = statuses.filter((s) => s === 200).length;
    expect(answered).toBeGreaterThan(0);
    const rows = g.rows();
    expect(rows.length).toBe(answered);
    expect(rows.filter((r) => r.stream).every((r) => r.completion_tokens !== null)).toBe(true);
  }, 30_000);

  test('kill -9 after the answers and one flush window: nothing lost', async () => {
    const g = await gateway();
    const statuses = await Promise.all(Array.from({ length: 40 }, () => g.chat(false).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await Bun.sleep(100); // the documented batch window is 20 ms
    g.proc.kill('SIGKILL');
    await g.proc.exited;
    expect(g.rows()).toHaveLength(40);
  }, 30_000);
});
