import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type Gateway } from '../../src/server/app.ts';
import { createKey } from '../../src/cli/keys.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';

export interface TestGateway {
  url: string;
  /** Base URL for OpenAI SDKs: `${url}/v1`. */
  baseURL: string;
  /** A valid key of tenant "test". */
  key: string;
  store: Store;
  gateway: Gateway;
  dir: string;
  stop(): Promise<void>;
}

/** A real gateway on a free loopback port, on a fresh SQLite store in a temp dir, from YAML text. */
export async function startTestGateway(yaml: string, env: Record<string, string> = {}, storeUrl?: string): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'dvara-test-'));
  const parsed = parseConfig(yaml, { ...process.env, ...env });
  if (!parsed.ok) throw new Error(`test config invalid: ${JSON.stringify(parsed.issues)}`);
  // The config names the store the gateway uses (a restart test passes the previous gateway's).
  parsed.config.store = storeUrl ?? `sqlite:${join(dir, 'dvara.db')}`;
  const store = new SqliteStore(parsed.config.store);
  if (!storeUrl) await store.addTenant('test');
  const { secret } = await createKey(store, 'test', { name: 'test' });
  const gateway = startGateway(parsed.config, store, { host: '127.0.0.1', port: 0 });
  return {
    url: gateway.url,
    baseURL: `${gateway.url}/v1`,
    key: secret,
    store,
    gateway,
    dir,
    async stop() {
      await gateway.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fetch against the gateway with the key and JSON content type set. */
export function api(gw: TestGateway, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${gw.key}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${gw.url}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

/** Parses an SSE text body into its data payloads (strings), in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
    .filter((d) => d.length > 0);
}

/** Polls `check` until it returns true or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await Bun.sleep(20);
  }
  return check();
}
