// `npm run bench [-- --quick] [--soak 300] [--only dvara,floor] [--rounds 3]`
// Starts each system under test pinned to core 0, drives it from core 1 against one mock upstream, and
// reports Dvara's overhead next to the floor's and the peers'. Absolute numbers on a shared 2-core machine
// are noisy; the ratios within one run are the claim.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Loadgen } from './loadgen.ts';
import { killTree, spawnPinned } from './proc.ts';
import { markdownTable, table, verdicts, verdictText, type RunReport, type SystemReport } from './report.ts';
import { runScenarios, writeBodies, type Plan } from './scenarios.ts';
import { direct, dvara, dvaraTraffic, floor } from './systems.ts';
import type { SystemSpec } from './types.ts';
import { writeDocs } from './docs.ts';

const ROOT = join(import.meta.dir, '..', '..');
const SUT_CPUS = '0';
const LOAD_CPUS = '1';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};

const quick = flag('quick');
const plan: Plan = quick
  ? { rounds: 1, latencySeconds: 2, throughputSeconds: 2, openRate: 500, openSeconds: 3, streamRequests: 10, sweepSeconds: 1, sweepSizes: [1024, 1 << 20], soakSeconds: Number(value('soak') ?? 0) }
  : {
      rounds: Number(value('rounds') ?? 3),
      latencySeconds: 5,
      throughputSeconds: 5,
      openRate: Number(value('rate') ?? 500),
      openSeconds: Number(value('open-seconds') ?? 20),
      streamRequests: 50,
      sweepSeconds: 3,
      sweepSizes: [1024, 10 * 1024, 100 * 1024, 1 << 20],
      soakSeconds: Number(value('soak') ?? 0),
    };
const only = value('only')?.split(',');
/** A peer whose harness module cannot even load is still listed, as skipped with the reason. */
async function peer(file: string, exportName: string, name: string): Promise<SystemSpec> {
  try {
    return (await import(file))[exportName] as SystemSpec;
  } catch (e) {
    const reason = `harness module ${file} failed to load: ${e instanceof Error ? e.message : String(e)}`;
    return { name, label: name, prepare: async () => ({ ok: false, reason }), start: () => Promise.reject(new Error(reason)) };
  }
}

const all: SystemSpec[] = [
  direct,
  floor,
  dvara,
  dvaraTraffic,
  await peer('./peers/bifrost.ts', 'bifrostCore', 'bifrost-core'),
  await peer('./peers/portkey.ts', 'portkey', 'portkey'),
  await peer('./peers/litellm.ts', 'litellm', 'litellm'),
];
const selected = all.filter((s) => !only || only.includes(s.name) || s.name === 'direct');

const log = (msg: string) => console.error(`[bench] ${msg}`);

async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

function machine(): RunReport['machine'] {
  const go = Bun.spawnSync(['go', 'version']).stdout.toString().trim();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: Bun.spawnSync(['uname', '-r']).stdout.toString().trim(),
    bun: Bun.version,
    go,
  };
}

async function main(): Promise<number> {
  // The harness, the mock and the load generator share core 1; the system under test has core 0.
  Bun.spawnSync(['taskset', '-cp', LOAD_CPUS, String(process.pid)]);
  const cacheDir = process.env.DVARA_BENCH_CACHE ?? join(ROOT, 'bench', '.cache');
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'dvara-bench-'));
  log(`${quick ? 'quick' : 'full'} run; systems: ${selected.map((s) => s.name).join(', ')}; free memory ${(freemem() / 2 ** 30).toFixed(1)} GiB`);

  const lg = await Loadgen.build(cacheDir, LOAD_CPUS);
  const mockPort = await freePort();
  const mock = spawnPinned({ cpus: LOAD_CPUS, cmd: [process.execPath, join(import.meta.dir, 'mock-upstream.ts'), '--port', String(mockPort)], logFile: join(work, 'mock.log') });
  const upstreamUrl = `http://127.0.0.1:${mockPort}`;
  for (let i = 0; i < 100 && !(await fetch(`${upstreamUrl}/v1/models`).then((r) => r.ok, () => false)); i++) await Bun.sleep(50);
  const bodies = await writeBodies(work, 'gpt-4o', plan.sweepSizes);

  const report: RunReport = { startedAt: new Date().toISOString(), quick, plan, machine: machine(), systems: [] };
  let failed = false;
  try {
    for (const spec of selected) {
      const entry: SystemReport = { name: spec.name, label: spec.label };
      report.systems.push(entry);
      const prepared = await spec.prepare({ cacheDir, quick });
      if (!prepared.ok) {
        entry.skipped = prepared.reason;
        log(`${spec.name}: skipped (${prepared.reason})`);
        continue;
      }
      entry.version = prepared.version;
      const dir = join(work, spec.name);
      mkdirSync(dir, { recursive: true });
      log(`${spec.name} ${prepared.version}: starting`);
      let sys;
      try {
        sys = await spec.start({ upstreamUrl, port: await freePort(), cpus: SUT_CPUS, workDir: dir });
        entry.results = await runScenarios(sys, lg, bodies, plan, (m) => log(`${spec.name}: ${m}`));
      } catch (e) {
        entry.error = e instanceof Error ? e.message : String(e);
        log(`${spec.name}: ERROR ${entry.error}`);
        // Our own systems must work; a peer that breaks is reported, not fatal.
        if (['direct', 'floor', 'dvara', 'dvara-traffic'].includes(spec.name)) failed = true;
      } finally {
        await sys?.stop();
      }
    }
  } finally {
    await killTree(mock.pid);
    rmSync(work, { recursive: true, force: true });
  }

  const file = join(resultsDir, `${report.startedAt.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await Bun.write(file, JSON.stringify(report, null, 2));
  const v = verdicts(report);
  console.log(`\n${table(report)}\n\nTargets (Dvara, within this run):\n${verdictText(v)}\n\nraw results: ${file}`);
  if (!quick && !only) {
    await writeDocs(join(ROOT, 'docs', 'benchmarks.md'), report, markdownTable(report), v);
    console.log('docs/benchmarks.md regenerated');
  }
  // Numbers never fail a run; a system of ours that errored does.
  return failed ? 1 : 0;
}

process.exit(await main());
