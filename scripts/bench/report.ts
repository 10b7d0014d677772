// Turns a run's results into the terminal table, the target verdicts and docs/benchmarks.md.
// Added figures subtract `direct` (the same request without a gateway) measured in the same run.
import type { Figure, Plan, SystemResults } from './scenarios.ts';

export interface SystemReport {
  name: string;
  label: string;
  version?: string;
  skipped?: string;
  error?: string;
  results?: SystemResults;
}

export interface RunReport {
  startedAt: string;
  quick: boolean;
  plan: Plan;
  machine: { cpu: string; cores: number; memGiB: number; kernel: string; bun: string; go: string };
  systems: SystemReport[];
}

const ms = (us: number) => (us / 1000).toFixed(2);
const signedMs = (us: number) => `${us < 0 ? '−' : '+'}${Math.abs(us / 1000).toFixed(2)}`;
const spread = (f: Figure, fmt: (n: number) => string) => `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})`;

function ran(r: RunReport): SystemReport[] {
  return r.systems.filter((s) => s.results);
}

/** One figure of one system, minus direct's, as a median with its spread. */
function added(r: RunReport, s: SystemReport, pick: (x: SystemResults) => Figure | undefined): Figure | null {
  const d = r.systems.find((x) => x.name === 'direct')?.results;
  const f = s.results && pick(s.results);
  const base = d && pick(d);
  if (!f || !base) return null;
  return { median: f.median - base.median, min: f.min - base.median, max: f.max - base.median };
}

interface Row {
  label: string;
  cell: (s: SystemReport) => string;
}

function rows(r: RunReport): Row[] {
  const a = (pick: (x: SystemResults) => Figure | undefined) => (s: SystemReport) => {
    if (s.name === 'direct') {
      const f = s.results && pick(s.results);
      return f ? `(${ms(f.median)} ms)` : '-';
    }
    const f = added(r, s, pick);
    return f ? spread(f, signedMs) : '-';
  };
  const rows: Row[] = [
    { label: 'added latency c=1, p50 (ms)', cell: a((x) => x.latency?.p50_us) },
    { label: 'added latency c=1, p99 (ms)', cell: a((x) => x.latency?.p99_us) },
    { label: 'throughput c=64 (req/s)', cell: (s) => (s.results?.throughput ? spread(s.results.throughput.rps, (n) => n.toFixed(0)) : '-') },
    { label: 'CPU per request (µs)', cell: (s) => (s.results?.throughput?.cpu_us_per_req ? spread(s.results.throughput.cpu_us_per_req, (n) => n.toFixed(0)) : '-') },
    { label: `open ${r.plan.openRate} req/s: added p50 (ms)`, cell: a((x) => x.open?.p50_us) },
    { label: `open ${r.plan.openRate} req/s: added p99 (ms)`, cell: a((x) => x.open?.p99_us) },
    { label: `open ${r.plan.openRate} req/s: added p99.9 (ms)`, cell: a((x) => x.open?.p999_us) },
    { label: 'errors (all scenarios)', cell: (s) => String(totalErrors(s.results)) },
    { label: 'stream: added TTFB (ms)', cell: a((x) => x.stream?.ttfb_us) },
    { label: 'stream: added first content (ms)', cell: a((x) => x.stream?.first_content_us) },
    { label: 'stream: added total (ms)', cell: a((x) => x.stream?.total_us) },
    { label: 'stream: events per response', cell: (s) => (s.results?.stream ? `${s.results.stream.events_min}–${s.results.stream.events_max}` : '-') },
    { label: 'stream: reads carrying >1 event', cell: (s) => (s.results?.stream ? String(s.results.stream.batched_reads) : '-') },
    { label: 'stream: content identical to direct', cell: (s) => contentSame(r, s) },
    { label: 'RSS idle / peak / after (MiB)', cell: (s) => (s.results?.memory ? `${s.results.memory.idle_mib.toFixed(0)} / ${s.results.memory.peak_mib.toFixed(0)} / ${s.results.memory.after_mib.toFixed(0)}` : '-') },
  ];
  for (const size of r.plan.sweepSizes) {
    rows.push({ label: `payload ${size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`}: added p50 (ms)`, cell: a((x) => x.sweep?.[String(size)]?.p50_us) });
  }
  if (r.plan.soakSeconds > 0) {
    rows.push({ label: `soak ${r.plan.soakSeconds}s: RSS drift`, cell: (s) => (s.results?.soak ? `${s.results.soak.drift_pct.toFixed(1)}%` : '-') });
  }
  return rows;
}

function totalErrors(x: SystemResults | undefined): number {
  if (!x) return 0;
  const sweep = Object.values(x.sweep ?? {}).reduce((s, v) => s + v.errors, 0);
  return (x.latency?.errors ?? 0) + (x.throughput?.errors ?? 0) + (x.open?.errors ?? 0) + (x.stream?.errors ?? 0) + sweep;
}

function contentSame(r: RunReport, s: SystemReport): string {
  const d = r.systems.find((x) => x.name === 'direct')?.results?.stream?.content_sample;
  const c = s.results?.stream?.content_sample;
  if (c === undefined || d === undefined) return '-';
  return c === d ? 'yes' : 'NO';
}

export function table(r: RunReport): string {
  const systems = ran(r);
  const header = ['', ...systems.map((s) => s.name)];
  const body = rows(r).map((row) => [row.label, ...systems.map(row.cell)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const skipped = r.systems.filter((s) => !s.results).map((s) => `  ${s.name}: ${s.skipped ? `skipped (${s.skipped})` : `error (${s.error})`}`);
  return [line(header), ...body.map(line), ...(skipped.length ? ['', 'Not measured:', ...skipped] : [])].join('\n');
}

export interface Verdict {
  target: string;
  ok: boolean | null;
  detail: string;
}

/** The issue's targets, evaluated as ratios and differences within this run. */
export function verdicts(r: RunReport): Verdict[] {
  const get = (n: string) => r.systems.find((s) => s.name === n && s.results);
  const dv = get('dvara');
  const fl = get('floor');
  const peers = ran(r).filter((s) => !['direct', 'floor', 'dvara', 'dvara-traffic'].includes(s.name));
  const out: Verdict[] = [];
  if (!dv || !fl) return [{ target: 'all', ok: null, detail: 'dvara or floor did not run' }];
  const addedMs = (s: SystemReport, pick: (x: SystemResults) => Figure | undefined) => (added(r, s, pick)?.median ?? NaN) / 1000;

  const lat = addedMs(dv, (x) => x.latency?.p50_us);
  const latFloor = addedMs(fl, (x) => x.latency?.p50_us);
  const peerLat = peers.map((p) => ({ n: p.name, v: addedMs(p, (x) => x.latency?.p50_us) }));
  out.push({
    target: 'added latency c=1 within 0.1 ms of the floor, below every peer',
    ok: lat - latFloor <= 0.1 && peerLat.every((p) => lat < p.v),
    detail: `dvara +${lat.toFixed(2)} ms, floor +${latFloor.toFixed(2)} ms (Δ ${(lat - latFloor).toFixed(2)} ms)${peerLat.map((p) => `, ${p.n} +${p.v.toFixed(2)} ms`).join('')}`,
  });

  const rps = dv.results!.throughput!.rps.median;
  const bestPeer = Math.max(0, ...peers.map((p) => p.results!.throughput!.rps.median));
  const cpu = dv.results!.throughput!.cpu_us_per_req!.median;
  const cpuFloor = fl.results!.throughput!.cpu_us_per_req!.median;
  out.push({
    target: 'throughput ≥ 2× the best peer; CPU/request ≤ 1.6× the floor',
    ok: (peers.length === 0 || rps >= 2 * bestPeer) && cpu <= 1.6 * cpuFloor,
    detail: `${rps.toFixed(0)} req/s (${bestPeer ? `${(rps / bestPeer).toFixed(1)}× best peer` : 'no peer measured'}); ${cpu.toFixed(0)} µs vs floor ${cpuFloor.toFixed(0)} µs (${(cpu / cpuFloor).toFixed(2)}×)`,
  });

  const p99 = addedMs(dv, (x) => x.open?.p99_us);
  const p99Floor = addedMs(fl, (x) => x.open?.p99_us);
  out.push({
    target: `p99 at ${r.plan.openRate} req/s within 0.3 ms of the floor's added p99`,
    ok: p99 - p99Floor <= 0.3 && dv.results!.open!.errors === 0,
    detail: `dvara +${p99.toFixed(2)} ms, floor +${p99Floor.toFixed(2)} ms (Δ ${(p99 - p99Floor).toFixed(2)} ms), p99.9 +${addedMs(dv, (x) => x.open?.p999_us).toFixed(2)} ms, ${dv.results!.open!.errors} errors`,
  });

  const ttfb = addedMs(dv, (x) => x.stream?.ttfb_us) - addedMs(fl, (x) => x.stream?.ttfb_us);
  const first = addedMs(dv, (x) => x.stream?.first_content_us) - addedMs(fl, (x) => x.stream?.first_content_us);
  const ds = get('direct')?.results?.stream;
  const s = dv.results!.stream!;
  const chunksKept = !!ds && s.events_min === ds.events_min && s.events_max === ds.events_max && s.content_sample === ds.content_sample && s.batched_reads <= ds.batched_reads;
  out.push({
    target: 'stream TTFB and first content within 0.3 ms of the floor; chunks unchanged in count and order, never batched',
    ok: ttfb <= 0.3 && first <= 0.3 && chunksKept,
    detail: `TTFB Δ ${ttfb.toFixed(2)} ms, first content Δ ${first.toFixed(2)} ms vs floor; events ${s.events_min}–${s.events_max} (direct ${ds?.events_min}–${ds?.events_max}), batched reads ${s.batched_reads} (direct ${ds?.batched_reads}), content ${s.content_sample === ds?.content_sample ? 'identical' : 'DIFFERENT'}`,
  });

  const m = dv.results!.memory!;
  const fm = fl.results!.memory!;
  const soak = dv.results!.soak;
  out.push({
    target: 'idle RSS < 50 MiB; peak ≤ 1.5× floor; after load within 20% of idle; soak drift ≤ 10%',
    ok: m.idle_mib < 50 && m.peak_mib <= 1.5 * fm.peak_mib && m.after_mib <= 1.2 * m.idle_mib && (!soak || Math.abs(soak.drift_pct) <= 10),
    detail: `idle ${m.idle_mib.toFixed(0)} MiB, peak ${m.peak_mib.toFixed(0)} MiB (floor ${fm.peak_mib.toFixed(0)}, ${(m.peak_mib / fm.peak_mib).toFixed(2)}×), after ${m.after_mib.toFixed(0)} MiB (${((m.after_mib / m.idle_mib - 1) * 100).toFixed(0)}% over idle)${soak ? `, soak drift ${soak.drift_pct.toFixed(1)}%` : ', no soak in this run (--soak 300)'}`,
  });
  return out;
}

export function verdictText(v: Verdict[]): string {
  return v.map((x) => `${x.ok === null ? '?' : x.ok ? 'MET ' : 'MISS'}  ${x.target}\n      ${x.detail}`).join('\n');
}

export function markdownTable(r: RunReport): string {
  const systems = ran(r);
  const head = `| | ${systems.map((s) => s.name).join(' | ')} |\n|---|${systems.map(() => '---:').join('|')}|`;
  return [head, ...rows(r).map((row) => `| ${row.label} | ${systems.map(row.cell).join(' | ')} |`)].join('\n');
}
