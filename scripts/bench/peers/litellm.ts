// Peer: LiteLLM proxy (PyPI litellm[proxy]) in a venv under the bench cache, one uvicorn worker, no
// database, forwarding to the mock upstream through an `openai/` model entry.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prepared, RunningSystem, StartContext, SystemSpec } from '../types.ts';
import { lastLines, run, startSystem, which } from '../proc.ts';

/**
 * Pinned: newer releases' `[proxy]` extra requires packages the index here does not serve (1.110.x needs
 * `litellm-proxy==<same version>`, which is not on PyPI; 1.108.12–1.109.x pin litellm-enterprise /
 * litellm-proxy-extras post-releases that are missing). 1.108.6 resolves and installs on Python 3.11.
 */
export const LITELLM_VERSION = '1.108.6';
const SPEC = `litellm[proxy]==${LITELLM_VERSION}`;
const MASTER_KEY = 'sk-master-bench';
const MODEL = 'gpt-4o';

function paths(cacheDir: string) {
  const dir = join(cacheDir, 'litellm');
  const venv = join(dir, 'venv');
  return { dir, venv, python: join(venv, 'bin', 'python'), litellm: join(venv, 'bin', 'litellm'), marker: join(dir, 'installed.json') };
}

let installed: { litellm: string; python: string } | null = null;

function readMarker(marker: string): { spec: string; version: string } | null {
  try {
    return JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    return null;
  }
}

async function prepare({ cacheDir, quick }: { cacheDir: string; quick: boolean }): Promise<Prepared> {
  try {
    const p = paths(cacheDir);
    const m = readMarker(p.marker);
    if (m?.spec === SPEC && existsSync(p.litellm) && existsSync(p.python)) {
      installed = { litellm: p.litellm, python: p.python };
      return { ok: true, version: m.version };
    }
    // A fresh install takes ~45 s (about 200 wheels): too slow for --quick.
    if (quick) return { ok: false, reason: 'not installed; skipped in --quick (run npm run bench once to install)' };
    const py = which('python3.11') ?? which('python3');
    if (!py) return { ok: false, reason: 'python3 not found on PATH' };
    mkdirSync(p.dir, { recursive: true });
    const log = join(p.dir, 'install.log');
    if (!existsSync(p.python)) {
      const r = await run([py, '-m', 'venv', p.venv], { logFile: log, timeoutMs: 120_000 });
      if (r.code !== 0) return { ok: false, reason: `python -m venv failed: ${lastLines(r.out)}` };
    }
    const r = await run([p.python, '-m', 'pip', 'install', '--disable-pip-version-check', '-q', SPEC], {
      logFile: log,
      timeoutMs: 20 * 60_000,
    });
    if (r.code !== 0) return { ok: false, reason: `pip install ${SPEC} failed: ${lastLines(r.out)}` };
    const v = await run([p.python, '-c', 'import importlib.metadata as m; print(m.version("litellm"))']);
    if (v.code !== 0) return { ok: false, reason: `litellm installed but not importable: ${lastLines(v.out)}` };
    const version = `litellm ${v.out.trim()} (proxy, Python ${(await run([p.python, '-c', 'import platform; print(platform.python_version())'])).out.trim()})`;
    writeFileSync(p.marker, JSON.stringify({ spec: SPEC, version, installed_at: new Date().toISOString(), install_ms: r.ms }, null, 2));
    installed = { litellm: p.litellm, python: p.python };
    return { ok: true, version };
  } catch (e) {
    return { ok: false, reason: `prepare failed: ${(e as Error).message}` };
  }
}

async function start(ctx: StartContext): Promise<RunningSystem> {
  if (!installed) throw new Error('litellm: prepare() has not succeeded');
  mkdirSync(ctx.workDir, { recursive: true });
  const config = join(ctx.workDir, 'litellm.yaml');
  // JSON is valid YAML, and quoting it this way avoids any escaping questions.
  writeFileSync(config, `${JSON.stringify({
    model_list: [{
      model_name: MODEL,
      litellm_params: { model: `openai/${MODEL}`, api_base: `${ctx.upstreamUrl}/v1`, api_key: 'sk-bench' },
    }],
    general_settings: { master_key: MASTER_KEY },
  }, null, 2)}\n`);
  return startSystem({
    name: 'litellm',
    ctx,
    cmd: [installed.litellm, '--config', config, '--host', '127.0.0.1', '--port', String(ctx.port), '--num_workers', '1'],
    env: {
      // Otherwise it downloads model_prices_and_context_window.json from GitHub at import time.
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      // Usage telemetry is opt-in in this version; the env veto makes sure it stays off.
      LITELLM_TELEMETRY_DISABLED: 'true',
      // LiteLLM's production guidance; the default level logs at DEBUG.
      LITELLM_LOG: 'ERROR',
      // No database: never pick one up from the environment.
      DATABASE_URL: undefined,
      // Keep httpx from routing the loopback upstream through a proxy from the environment.
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      PYTHONUNBUFFERED: '1',
    },
    headers: { authorization: `Bearer ${MASTER_KEY}` },
    model: MODEL,
    readyTimeoutMs: 90_000,
  });
}

export const litellm: SystemSpec = {
  name: 'litellm',
  label: `LiteLLM proxy (PyPI litellm[proxy]==${LITELLM_VERSION}, uvicorn, 1 worker, no database)`,
  prepare,
  start,
};

export default litellm;
