// Peer: Portkey's AI gateway (npm @portkey-ai/gateway) on Node, routed to the mock upstream per request
// with x-portkey-provider / x-portkey-custom-host headers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prepared, RunningSystem, StartContext, SystemSpec } from '../types.ts';
import { lastLines, run, startSystem, which } from '../proc.ts';

export const PORTKEY_VERSION = '1.15.2';
/** Its SSE streaming needs this @hono/node-server (later releases buffer the stream); forced with overrides. */
export const HONO_NODE_SERVER_VERSION = '1.14.1';
const MODEL = 'gpt-4o';

function paths(cacheDir: string) {
  const dir = join(cacheDir, 'portkey');
  const pkgDir = join(dir, 'node_modules', '@portkey-ai', 'gateway');
  return {
    dir,
    pkgDir,
    entry: join(pkgDir, 'build', 'start-server.js'),
    honoPkg: join(dir, 'node_modules', '@hono', 'node-server', 'package.json'),
  };
}

const versionOf = (pkgJson: string): string | null => {
  try {
    return JSON.parse(readFileSync(pkgJson, 'utf8')).version ?? null;
  } catch {
    return null;
  }
};

let installed: { node: string; entry: string } | null = null;

async function prepare({ cacheDir }: { cacheDir: string; quick: boolean }): Promise<Prepared> {
  try {
    const node = which('node');
    if (!node) return { ok: false, reason: 'node not found on PATH' };
    const p = paths(cacheDir);
    const ready = () =>
      versionOf(join(p.pkgDir, 'package.json')) === PORTKEY_VERSION &&
      versionOf(p.honoPkg) === HONO_NODE_SERVER_VERSION &&
      existsSync(p.entry);
    // A fresh install is ~5 s, so it is done even in --quick.
    if (!ready()) {
      const npm = which('npm');
      if (!npm) return { ok: false, reason: 'npm not found on PATH' };
      mkdirSync(p.dir, { recursive: true });
      writeFileSync(join(p.dir, 'package.json'), `${JSON.stringify({
        name: 'dvara-bench-portkey',
        private: true,
        description: 'Installed by scripts/bench/peers/portkey.ts (benchmark cache, not part of the repository)',
        dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION, '@hono/node-server': HONO_NODE_SERVER_VERSION },
        overrides: { '@hono/node-server': HONO_NODE_SERVER_VERSION },
      }, null, 2)}\n`);
      // --ignore-scripts: the package's only install script is `patch-package`, with no patches shipped.
      const r = await run([npm, 'install', '--prefix', p.dir, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], {
        logFile: join(p.dir, 'install.log'),
        timeoutMs: 10 * 60_000,
      });
      if (r.code !== 0) return { ok: false, reason: `npm install @portkey-ai/gateway@${PORTKEY_VERSION} failed: ${lastLines(r.out)}` };
      if (!ready()) {
        return {
          ok: false,
          reason: `installed, but found gateway ${versionOf(join(p.pkgDir, 'package.json'))} / @hono/node-server ${versionOf(p.honoPkg)} / entry ${existsSync(p.entry) ? 'present' : 'missing'}`,
        };
      }
    }
    installed = { node, entry: p.entry };
    const nodeVersion = (await run([node, '--version'])).out.trim();
    return { ok: true, version: `@portkey-ai/gateway ${PORTKEY_VERSION} (@hono/node-server ${HONO_NODE_SERVER_VERSION}, Node ${nodeVersion})` };
  } catch (e) {
    return { ok: false, reason: `prepare failed: ${(e as Error).message}` };
  }
}

async function start(ctx: StartContext): Promise<RunningSystem> {
  if (!installed) throw new Error('portkey: prepare() has not succeeded');
  return startSystem({
    name: 'portkey',
    ctx,
    // --port=N is the only port form it parses; --headless skips the UI and its live log stream.
    cmd: [installed.node, installed.entry, `--port=${ctx.port}`, '--headless'],
    env: { REDIS_CONNECTION_STRING: undefined },
    headers: { authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${ctx.upstreamUrl}/v1` },
    model: MODEL,
  });
}

export const portkey: SystemSpec = {
  name: 'portkey',
  label: `Portkey AI gateway (npm @portkey-ai/gateway@${PORTKEY_VERSION} on Node, @hono/node-server ${HONO_NODE_SERVER_VERSION})`,
  prepare,
  start,
};

export default portkey;
