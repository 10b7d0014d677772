// Peer: Bifrost's core engine (Go module github.com/maximhq/bifrost/core) behind a minimal HTTP wrapper
// (./bifrost/main.go). Bifrost's own HTTP transport module is refused by the Go module proxy here, so
// this is not stock Bifrost: it is a lower bound of Bifrost's cost and is labelled as such.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prepared, RunningSystem, StartContext, SystemSpec } from '../types.ts';
import { lastLines, run, startSystem, which } from '../proc.ts';

const SRC_DIR = join(import.meta.dir, 'bifrost');
const SRC_FILES = ['main.go', 'go.mod', 'go.sum'];
const MODEL = 'gpt-4o';

/** The core version required by the wrapper's go.mod. */
function coreVersion(): string {
  const m = /github\.com\/maximhq\/bifrost\/core\s+(v\S+)/.exec(readFileSync(join(SRC_DIR, 'go.mod'), 'utf8'));
  return m?.[1] ?? 'unknown';
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of SRC_FILES) h.update(`${f}\0`).update(readFileSync(join(SRC_DIR, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

let binary: string | null = null;

async function prepare({ cacheDir, quick }: { cacheDir: string; quick: boolean }): Promise<Prepared> {
  try {
    const dir = join(cacheDir, 'bifrost');
    const bin = join(dir, 'bifrost-wrapper');
    const stamp = join(dir, 'bifrost-wrapper.hash');
    const hash = sourceHash();
    const go = which('go');
    const describe = (goVersion: string) => `github.com/maximhq/bifrost/core ${coreVersion()} behind a minimal HTTP wrapper (source ${hash}, ${goVersion})`;
    const goVersionOf = async () => (go ? (await run([go, 'env', 'GOVERSION'])).out.trim() : 'go ?');
    if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
      binary = bin;
      return { ok: true, version: describe(await goVersionOf()) };
    }
    // A cold build downloads ~250 MB of modules (AWS/Azure/GCP SDKs) and takes about a minute.
    if (quick) return { ok: false, reason: 'not installed; skipped in --quick (run npm run bench once to install)' };
    if (!go) return { ok: false, reason: 'go not found on PATH (needed to build the Bifrost core wrapper)' };
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.tmp-${process.pid}`;
    // -mod=mod: resolve through the module proxy per the committed go.mod/go.sum. -buildvcs=false: the
    // source sits in the repository's work tree; do not stamp (or shell out to) version control.
    const goflags = [...(process.env.GOFLAGS ?? '').split(/\s+/).filter((f) => f && !f.startsWith('-mod=') && !f.startsWith('-buildvcs')), '-mod=mod', '-buildvcs=false'].join(' ');
    const r = await run([go, 'build', '-trimpath', '-o', tmp, '.'], {
      cwd: SRC_DIR,
      env: { GOFLAGS: goflags, GOWORK: 'off', CGO_ENABLED: '0' },
      logFile: join(dir, 'build.log'),
      timeoutMs: 15 * 60_000,
    });
    if (r.code !== 0) {
      rmSync(tmp, { force: true });
      return { ok: false, reason: `go build of the Bifrost core wrapper failed: ${lastLines(r.out)}` };
    }
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin);
    writeFileSync(stamp, `${hash}\n`);
    binary = bin;
    return { ok: true, version: describe(await goVersionOf()) };
  } catch (e) {
    return { ok: false, reason: `prepare failed: ${(e as Error).message}` };
  }
}

async function start(ctx: StartContext): Promise<RunningSystem> {
  if (!binary) throw new Error('bifrost: prepare() has not succeeded');
  return startSystem({
    name: 'bifrost',
    ctx,
    // Bifrost's OpenAI provider appends /v1/chat/completions to the base URL itself.
    cmd: [binary, '-host', '127.0.0.1', '-port', String(ctx.port), '-base-url', ctx.upstreamUrl, '-key', 'sk-bench', '-log-level', 'warn'],
    // The wrapper has no auth of its own; the header is sent anyway so every system gets the same request.
    headers: { authorization: 'Bearer sk-bench' },
    model: MODEL,
  });
}

export const bifrostCore: SystemSpec = {
  name: 'bifrost-core',
  label: "Bifrost core engine behind a minimal HTTP wrapper (a lower bound of Bifrost's cost, not stock Bifrost)",
  prepare,
  start,
};

export default bifrostCore;
