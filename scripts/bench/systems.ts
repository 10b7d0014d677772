// The baseline systems under test: `direct` (no gateway), `floor` (a bare Bun pass-through) and `dvara`
// (the compiled binary with a realistic config). Peers live in ./peers/.
import { join } from 'node:path';
import { startSystem } from './proc.ts';
import type { Prepared, RunningSystem, StartContext, SystemSpec } from './types.ts';

const ROOT = join(import.meta.dir, '..', '..');
const BUN = process.execPath;
const CHAT = '/v1/chat/completions';

export const direct: SystemSpec = {
  name: 'direct',
  label: 'client → mock upstream, no gateway (the reference every "added" figure subtracts)',
  async prepare(): Promise<Prepared> {
    return { ok: true, version: '-' };
  },
  async start(ctx: StartContext): Promise<RunningSystem> {
    // Nothing to start: the mock itself. Its pid is not the system's, so CPU/RSS figures are not reported.
    return { baseUrl: ctx.upstreamUrl, chatPath: CHAT, headers: { authorization: 'Bearer sk-bench' }, model: 'gpt-4o', pid: 0, stop: async () => {} };
  },
};

export const floor: SystemSpec = {
  name: 'floor',
  label: 'a minimal Bun pass-through proxy: the least any Bun gateway can add',
  async prepare(): Promise<Prepared> {
    return { ok: true, version: `bun ${Bun.version}` };
  },
  start: (ctx: StartContext) =>
    startSystem({
      name: 'floor',
      ctx,
      cmd: [BUN, join(ROOT, 'scripts/bench/floor.ts'), '--port', String(ctx.port), '--upstream', ctx.upstreamUrl],
      headers: { authorization: 'Bearer sk-bench' },
      model: 'gpt-4o',
    }),
};

const DVARA = join(ROOT, 'dist', 'dvara');

async function dvaraCli(args: string[]): Promise<string> {
  const p = Bun.spawn([DVARA, ...args], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`dvara ${args.join(' ')} failed: ${err.trim()}`);
  return out;
}

/** The compiled binary on the bench's mock, with `extra` config appended (the traffic-control variant's knobs). */
function dvaraSystem(name: string, label: string, extra = ''): SystemSpec {
  return {
    name,
    label,
    async prepare(): Promise<Prepared> {
      const build = Bun.spawnSync(['npm', 'run', '-s', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
      if (build.exitCode !== 0) return { ok: false, reason: `npm run build failed: ${build.stderr.toString().trim().slice(-300)}` };
      return { ok: true, version: (await dvaraCli(['--version'])).trim() };
    },
    async start(ctx: StartContext): Promise<RunningSystem> {
      const store = `sqlite:${join(ctx.workDir, 'dvara.db')}`;
      const config = join(ctx.workDir, 'dvara.yaml');
      await Bun.write(
        config,
        `server: { host: 127.0.0.1, port: ${ctx.port} }
store: ${store}
providers:
  openai: { type: openai, api_key: sk-bench, base_url: "${ctx.upstreamUrl}/v1"${extra ? ', timeouts: { idle: 60s, total: 10m }, retries: { attempts: 1 }' : ''} }
${extra}`,
      );
      await dvaraCli(['tenants', 'add', 'bench', '--store', store]);
      const key = JSON.parse(await dvaraCli(['keys', 'create', '--tenant', 'bench', '--json', '--store', store])) as { key: string };
      return startSystem({ name, ctx, cmd: [DVARA, 'serve', '-c', config], headers: { authorization: `Bearer ${key.key}` }, model: 'gpt-4o' });
    },
  };
}

export const dvara = dvaraSystem('dvara', 'the compiled dvara binary: key auth, routing through the family table (gpt-4o → openai)');

/**
 * The same with traffic control doing work on every request: per-key and per-tenant RPM/TPM limits (never
 * reached: the token estimate, reservation and reconciliation run each time), idle and total stream timeouts,
 * a retry policy and the circuit breaker (on by default in both variants).
 */
export const dvaraTraffic = dvaraSystem(
  'dvara-traffic',
  'dvara with rate limits (key and tenant RPM/TPM), stream idle/total timeouts and retries on',
  `limits:
  key_defaults: { rpm: 100000000, tpm: 100000000000 }
  tenant_defaults: { rpm: 100000000, tpm: 100000000000 }
`,
);
