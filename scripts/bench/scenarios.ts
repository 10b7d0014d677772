// The six scenarios, each run against one started system. Every figure is the median of `rounds` runs,
// kept with its spread (min..max) so a reader sees how noisy it was.
import { join } from 'node:path';
import type { Loadgen } from './loadgen.ts';
import { cpuSeconds, rssMiB, sampleRss } from './proc-stats.ts';
import type { LoadResult, RunningSystem, StreamResult } from './types.ts';

export interface Figure {
  median: number;
  min: number;
  max: number;
}

export function figure(values: number[]): Figure {
  const s = [...values].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

export interface Plan {
  rounds: number;
  latencySeconds: number;
  throughputSeconds: number;
  openRate: number;
  openSeconds: number;
  streamRequests: number;
  sweepSeconds: number;
  sweepSizes: number[];
  soakSeconds: number;
}

export interface SystemResults {
  latency?: { p50_us: Figure; p99_us: Figure; errors: number };
  throughput?: { rps: Figure; cpu_us_per_req: Figure | null; errors: number };
  open?: { p50_us: Figure; p99_us: Figure; p999_us: Figure; errors: number; achieved_rps: Figure };
  stream?: {
    ttfb_us: Figure;
    first_content_us: Figure;
    total_us: Figure;
    events_min: number;
    events_max: number;
    batched_reads: number;
    gap_p50_us: Figure;
    content_sample: string;
    errors: number;
  };
  memory?: { idle_mib: number; peak_mib: number; after_mib: number };
  sweep?: Record<string, { p50_us: Figure; errors: number }>;
  soak?: { after_warmup_mib: number; end_mib: number; drift_pct: number; requests: number };
}

/** Request bodies, written once per run and shared by every system. */
export async function writeBodies(dir: string, model: string, sizes: number[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const write = async (name: string, body: object) => {
    files[name] = join(dir, `${name}.json`);
    await Bun.write(files[name]!, JSON.stringify(body));
  };
  const messages = [{ role: 'user', content: 'Hello, how are you today?' }];
  await write('chat', { model, messages, max_tokens: 200 });
  await write('stream', { model, messages, max_tokens: 200, stream: true, stream_options: { include_usage: true } });
  for (const size of sizes) {
    await write(`payload-${size}`, { model, messages: [{ role: 'user', content: 'x'.repeat(size) }], max_tokens: 200 });
  }
  return files;
}

const errorsOf = (r: { errors: number }[]) => r.reduce((sum, x) => sum + x.errors, 0);

export async function runScenarios(
  sys: RunningSystem,
  lg: Loadgen,
  bodies: Record<string, string>,
  plan: Plan,
  log: (msg: string) => void,
): Promise<SystemResults> {
  const url = sys.baseUrl + sys.chatPath;
  const withModel = async (file: string) => {
    // Bodies name the model each system expects.
    const body = JSON.parse(await Bun.file(file).text()) as { model: string };
    body.model = sys.model;
    const out = file.replace(/\.json$/, `.${sys.model.replace(/\W/g, '_')}.json`);
    await Bun.write(out, JSON.stringify(body));
    return out;
  };
  const chat = await withModel(bodies.chat!);
  const stream = await withModel(bodies.stream!);
  const base = { url, headers: { 'content-type': 'application/json', ...sys.headers } };
  const measured = sys.pid > 0;
  const r: SystemResults = {};

  // Idle: started and ready (it has answered one request), before any load.
  const idle = measured ? rssMiB(sys.pid) : 0;
  // Peak: sampled through every loaded phase, warm-up to the payload sweep.
  const sampler = measured ? sampleRss(sys.pid) : null;
  // Warm up the system (JIT, connection pools) before anything is recorded.
  await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 8, duration: '2s', warmup: '0s' });

  log('latency at c=1');
  const lat: LoadResult[] = [];
  for (let i = 0; i < plan.rounds; i++) lat.push(await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 1, duration: `${plan.latencySeconds}s` }));
  r.latency = { p50_us: figure(lat.map((x) => x.latency_us.p50)), p99_us: figure(lat.map((x) => x.latency_us.p99)), errors: errorsOf(lat) };

  log('throughput at c=64');
  const tput: LoadResult[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < plan.rounds; i++) {
    await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 64, duration: '1s', warmup: '0s' });
    const before = measured ? cpuSeconds(sys.pid) : 0;
    const t = await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 64, duration: `${plan.throughputSeconds}s`, warmup: '0s' });
    if (measured) cpu.push(((cpuSeconds(sys.pid) - before) * 1e6) / Math.max(1, t.requests));
    tput.push(t);
  }
  r.throughput = { rps: figure(tput.map((x) => x.rps)), cpu_us_per_req: measured ? figure(cpu) : null, errors: errorsOf(tput) };

  log(`open loop at ${plan.openRate} req/s`);
  const open: LoadResult[] = [];
  for (let i = 0; i < plan.rounds; i++) {
    open.push(await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'open', rate: plan.openRate, duration: `${plan.openSeconds}s` }));
  }
  r.open = {
    p50_us: figure(open.map((x) => x.latency_us.p50)),
    p99_us: figure(open.map((x) => x.latency_us.p99)),
    p999_us: figure(open.map((x) => x.latency_us.p999)),
    achieved_rps: figure(open.map((x) => x.rps)),
    errors: errorsOf(open),
  };

  log('streaming');
  const st: StreamResult[] = [];
  for (let i = 0; i < plan.rounds; i++) st.push(await lg.run<StreamResult>({ ...base, bodyFile: stream, mode: 'stream', concurrency: 1, requests: plan.streamRequests }));
  r.stream = {
    ttfb_us: figure(st.map((x) => x.ttfb_us.p50)),
    first_content_us: figure(st.map((x) => x.first_content_us.p50)),
    total_us: figure(st.map((x) => x.total_us.p50)),
    events_min: Math.min(...st.map((x) => x.events_min)),
    events_max: Math.max(...st.map((x) => x.events_max)),
    batched_reads: st.reduce((s, x) => s + x.batched_reads, 0),
    gap_p50_us: figure(st.map((x) => x.gap_us.p50)),
    content_sample: st[0]!.content_sample,
    errors: errorsOf(st),
  };

  log('payload sweep');
  r.sweep = {};
  for (const size of plan.sweepSizes) {
    const body = await withModel(bodies[`payload-${size}`]!);
    const runs: LoadResult[] = [];
    for (let i = 0; i < plan.rounds; i++) runs.push(await lg.run<LoadResult>({ ...base, bodyFile: body, mode: 'closed', concurrency: 1, duration: `${plan.sweepSeconds}s` }));
    r.sweep[String(size)] = { p50_us: figure(runs.map((x) => x.latency_us.p50)), errors: errorsOf(runs) };
  }

  const peak = sampler?.stop() ?? 0;
  if (measured) {
    await Bun.sleep(3000); // let the runtime settle (GC, pools) before the after-load reading
    r.memory = { idle_mib: idle, peak_mib: peak, after_mib: rssMiB(sys.pid) };
  }

  if (plan.soakSeconds > 0 && measured) {
    log(`soak for ${plan.soakSeconds}s`);
    const warm = Math.min(30, Math.floor(plan.soakSeconds / 5));
    await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 16, duration: `${warm}s`, warmup: '0s' });
    const afterWarmup = rssMiB(sys.pid);
    const soak = await lg.run<LoadResult>({ ...base, bodyFile: chat, mode: 'closed', concurrency: 16, duration: `${plan.soakSeconds}s`, warmup: '0s' });
    const end = rssMiB(sys.pid);
    r.soak = { after_warmup_mib: afterWarmup, end_mib: end, drift_pct: ((end - afterWarmup) / afterWarmup) * 100, requests: soak.requests };
  }
  return r;
}
