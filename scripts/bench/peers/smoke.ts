// Smoke test of the peer systems: fake upstream → prepare → start → one non-stream and one stream chat
// request → stop. Usage: bun scripts/bench/peers/smoke.ts [portkey|litellm|bifrost]… [--quick]
// (no names: all three). Env BENCH_CACHE (default /tmp/dvara-bench-cache), BENCH_CPUS (default 0).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI } from '../../../test/fakes/openai-upstream.ts';
import type { SystemSpec } from '../types.ts';
import { bifrostCore } from './bifrost.ts';
import { litellm } from './litellm.ts';
import { portkey } from './portkey.ts';
import { chatBody, isAlive, processTree } from '../proc.ts';

const ALL: Record<string, SystemSpec> = { portkey, litellm, bifrost: bifrostCore };
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const selected = names.length > 0 ? names : Object.keys(ALL);
for (const n of selected) if (!ALL[n]) throw new Error(`unknown peer ${n} (expected ${Object.keys(ALL).join(', ')})`);

const cacheDir = process.env.BENCH_CACHE ?? '/tmp/dvara-bench-cache';
const cpus = process.env.BENCH_CPUS ?? '0';

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = s.port!;
  await s.stop(true);
  return port;
}

const upstream = await startFakeOpenAI();
console.log(`fake upstream at ${upstream.url}; cache ${cacheDir}; cpus ${cpus}${quick ? '; --quick' : ''}`);
let failures = 0;

for (const name of selected) {
  const spec = ALL[name]!;
  console.log(`\n=== ${name}: ${spec.label}`);
  let t = performance.now();
  const prep = await spec.prepare({ cacheDir, quick });
  console.log(`prepare: ${(performance.now() - t).toFixed(0)} ms →`, prep);
  if (!prep.ok) {
    console.log(`SKIPPED: ${prep.reason}`);
    continue;
  }
  const workDir = mkdtempSync(join(tmpdir(), `dvara-bench-${name}-`));
  const port = await freePort();
  t = performance.now();
  let sys;
  try {
    sys = await spec.start({ upstreamUrl: upstream.url, port, cpus, workDir });
  } catch (e) {
    console.log(`FAILED to start: ${(e as Error).message}`);
    failures++;
    continue;
  }
  console.log(`started in ${(performance.now() - t).toFixed(0)} ms: pid ${sys.pid}, tree ${processTree(sys.pid).join(',')}, ${sys.baseUrl}${sys.chatPath} model=${sys.model} headers=${JSON.stringify(sys.headers)} (logs in ${workDir})`);
  const url = `${sys.baseUrl}${sys.chatPath}`;
  const headers = { 'content-type': 'application/json', ...sys.headers };
  try {
    upstream.reset();
    t = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(chatBody(sys.model)) });
    const text = await res.text();
    const ms = performance.now() - t;
    let content: unknown = text.slice(0, 200);
    try { content = JSON.parse(text).choices?.[0]?.message?.content; } catch { /* not JSON */ }
    const up = upstream.last();
    console.log(`non-stream: HTTP ${res.status} in ${ms.toFixed(1)} ms, content=${JSON.stringify(content)}; upstream saw ${up?.method} ${up?.path} model=${up?.body?.model} auth=${up?.headers.authorization}`);
    if (res.status !== 200 || typeof content !== 'string') failures++;

    upstream.reset();
    t = performance.now();
    const sres = await fetch(url, { method: 'POST', headers, body: JSON.stringify(chatBody(sys.model, true)) });
    let ttfb = 0;
    let buf = '';
    let reads = 0;
    const reader = sres.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (reads === 0) ttfb = performance.now() - t;
      reads++;
      buf += new TextDecoder().decode(value);
    }
    const total = performance.now() - t;
    const events = buf.split(/\r?\n\r?\n/).map((e) => e.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')).filter(Boolean);
    let scontent = '';
    let usage: unknown = null;
    for (const e of events) {
      if (e === '[DONE]') continue;
      try {
        const j = JSON.parse(e);
        scontent += j.choices?.[0]?.delta?.content ?? '';
        if (j.usage) usage = j.usage;
      } catch { /* ignore */ }
    }
    const endedDone = events.at(-1) === '[DONE]';
    console.log(`stream: HTTP ${sres.status} ${sres.headers.get('content-type')}; first bytes ${ttfb.toFixed(1)} ms, total ${total.toFixed(1)} ms; ${events.length} events in ${reads} reads; content=${JSON.stringify(scontent)}; usage=${JSON.stringify(usage)}; ended with [DONE]: ${endedDone}`);
    if (sres.status !== 200 || !endedDone || scontent === '') failures++;
  } catch (e) {
    console.log(`request FAILED: ${(e as Error).message}`);
    failures++;
  } finally {
    const tree = processTree(sys.pid);
    t = performance.now();
    await sys.stop();
    const left = tree.filter(isAlive);
    console.log(`stopped in ${(performance.now() - t).toFixed(0)} ms; processes left: ${left.length ? left.join(',') : 'none'}`);
    if (left.length) failures++;
  }
}

await upstream.stop();
console.log(failures ? `\n${failures} failure(s)` : '\nall OK');
process.exit(failures ? 1 : 0);
