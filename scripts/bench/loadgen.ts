// Builds and runs the Go load generator (scripts/bench/loadgen), pinned to the load core.
import { join } from 'node:path';
import type { LoadResult, StreamResult } from './types.ts';

const SRC = join(import.meta.dir, 'loadgen');

export interface LoadgenArgs {
  url: string;
  headers: Record<string, string>;
  bodyFile: string;
  mode: 'closed' | 'open' | 'stream';
  concurrency?: number;
  duration?: string;
  requests?: number;
  rate?: number;
  warmup?: string;
}

export class Loadgen {
  private constructor(
    private readonly bin: string,
    private readonly cpus: string,
  ) {}

  /** Compiles the generator into the cache (seconds; the Go standard library only). */
  static async build(cacheDir: string, cpus: string): Promise<Loadgen> {
    const bin = join(cacheDir, 'loadgen');
    const p = Bun.spawnSync(['go', 'build', '-o', bin, '.'], { cwd: SRC, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    if (p.exitCode !== 0) throw new Error(`building loadgen failed (is Go installed?): ${p.stderr.toString()}`);
    return new Loadgen(bin, cpus);
  }

  async run<T extends LoadResult | StreamResult>(a: LoadgenArgs): Promise<T> {
    const argv = [this.bin, '-url', a.url, '-mode', a.mode, '-body-file', a.bodyFile, '-warmup', a.warmup ?? '1s'];
    for (const [k, v] of Object.entries(a.headers)) argv.push('-H', `${k}: ${v}`);
    if (a.concurrency) argv.push('-c', String(a.concurrency));
    if (a.duration) argv.push('-d', a.duration);
    if (a.requests) argv.push('-n', String(a.requests));
    if (a.rate) argv.push('-rate', String(a.rate));
    const p = Bun.spawn(['taskset', '-c', this.cpus, ...argv], { stdout: 'pipe', stderr: 'pipe' });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`loadgen ${a.mode} against ${a.url} failed: ${err.trim().slice(-400)}`);
    return JSON.parse(out) as T;
  }
}
