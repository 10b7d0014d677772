// The compiled single-file binary: built once (as scripts/build.ts builds dist/dvara, but into a temp dir so a
// concurrent `npm run build` or test run is never disturbed), then used the way a user would.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { sseData } from '../helpers/gateway.ts';
import { BUN, EXAMPLE, LiveProcess, MAIN, ROOT, freePort, parseJsonOutput, run, waitForHttp, type RunOptions } from './run.ts';

setDefaultTimeout(30_000);

let dir: string;
let binary: string;
let config: string;
const live: LiveProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvara-bin-'));
  binary = join(dir, 'dvara');
  const build = await run([BUN, 'build', '--compile', '--minify', '--sourcemap', MAIN, '--outfile', binary], { cwd: ROOT, timeoutMs: 110_000 });
  if (build.code !== 0 || !existsSync(binary)) throw new Error(`build failed (${build.code}):\n${build.stdout}\n${build.stderr}`);
  config = join(dir, 'dvara.yaml');
  writeFileSync(config, `server: { host: 127.0.0.1, port: 8080 }\nstore: sqlite:${join(dir, 'bin.db')}\nproviders:\n  demo: { type: mock }\n`);
}, 120_000);

afterAll(() => {
  for (const p of live) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The binary, run from a directory that holds no source, so nothing can be read from the repo. */
const dvara = (args: string[], opts: RunOptions = {}) => run([binary, ...args], { cwd: dir, ...opts });

describe('compiled binary', () => {
  test('--version prints package.json\'s version', async () => {
    const r = await dvara(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test('validate -c dvara.example.yaml → ok', async () => {
    const r = await dvara(['validate', '-c', EXAMPLE]);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  test('validate of a broken config → exit 1 with path: message', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'providers:\n  demo: { type: mock, typo: 1 }\n');
    const r = await dvara(['validate', '-c', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('providers.demo.typo: unknown key');
  });

  test('models --json', async () => {
    const r = await dvara(['models', '--json', '-c', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(parseJsonOutput<Array<{ id: string; provider: string }>>(r.stdout)).toContainEqual(expect.objectContaining({ id: 'gpt-4o', provider: 'demo' }));
  });

  test('serve on a free port; a key from `keys create --json` works for chat and streaming; SIGTERM → exit 0', async () => {
    expect((await dvara(['tenants', 'add', 'bin', '-c', config])).code).toBe(0);
    const created = await dvara(['keys', 'create', '--tenant', 'bin', '-c', config, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { key } = parseJsonOutput<{ key: string }>(created.stdout);
    expect(key).toMatch(/^mk-[0-9A-Za-z]{32,}$/);

    const port = await freePort();
    const server = new LiveProcess([binary, 'serve', '-c', config, '--port', String(port)], { cwd: dir });
    live.push(server);
    try {
      const base = `http://127.0.0.1:${port}`;
      await server.waitForStdout(new RegExp(`listening on ${base.replace(/\./g, '\\.')}`));
      expect((await waitForHttp(`${base}/healthz`)).status).toBe(200);
      // The store already had a tenant: no first-start key.
      expect(server.stdout).not.toMatch(/mk-/);

      const chat = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'Hello binary' }] }),
      });
      expect(chat.status).toBe(200);
      const body = (await chat.json()) as { object: string; choices: Array<{ message: { role: string; content: string } }>; usage?: unknown };
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0]?.message.role).toBe('assistant');
      expect(body.choices[0]?.message.content).toContain('Hello binary');

      const stream = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello stream' }] }),
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const events = sseData(await stream.text());
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: Array<{ delta?: { content?: string } }>; usage?: { total_tokens: number } | null });
      expect(chunks.length).toBeGreaterThan(1);
      for (const c of chunks) expect(c.object).toBe('chat.completion.chunk');
      const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
      expect(text).toContain('Hello stream');
      expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);

      const denied = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer mk-notarealkey', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(denied.status).toBe(401);

      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      server.kill();
    }
  });
});
