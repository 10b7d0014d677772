// Spawning the CLI (from source or a compiled binary) with timeouts, for the CLI tests.
import type { Subprocess } from 'bun';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '../..');
export const MAIN = join(ROOT, 'src/cli/main.ts');
export const EXAMPLE = join(ROOT, 'dvara.example.yaml');
/** The bun running the tests runs the CLI too. */
export const BUN = process.execPath;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether the process was killed for exceeding the timeout. */
  timedOut: boolean;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  stdin?: string;
}

/**
 * The environment for a child: the test's own minus anything that would point the CLI elsewhere,
 * with NO_COLOR set; `extra` entries with value undefined are removed.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, DVARA_CONFIG: undefined, DVARA_STORE: undefined, ...extra };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Runs `cmd` to completion (or kills it at the timeout) and collects its output. */
export async function run(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: childEnv(opts.env),
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, opts.timeoutMs ?? 20_000);
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** `dvara ARGS` from source. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run([BUN, MAIN, ...args], opts);
}

/** A long-running child whose output is collected as it arrives. */
export class LiveProcess {
  stdout = '';
  stderr = '';
  readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  private readonly drained: Promise<void>;

  constructor(cmd: string[], opts: Omit<RunOptions, 'timeoutMs' | 'stdin'> = {}) {
    this.proc = Bun.spawn(cmd, { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    this.drained = Promise.all([
      this.pump(this.proc.stdout, (s) => (this.stdout += s)),
      this.pump(this.proc.stderr, (s) => (this.stderr += s)),
    ]).then(() => undefined);
  }

  private async pump(stream: ReadableStream<Uint8Array>, add: (s: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
    } catch {
      // the stream ends with the process
    }
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** Waits until stdout matches `re` (returns the match); throws with both streams on timeout or early exit. */
  async waitForStdout(re: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.stdout.match(re);
      if (m) return m;
      if (this.exited) break;
      await Bun.sleep(25);
    }
    const m = this.stdout.match(re);
    if (m) return m;
    throw new Error(`timed out waiting for ${re} (exit: ${this.proc.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
  }

  /** Sends `signal` and waits for the exit code (SIGKILL after `ms`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<number | null> {
    if (!this.exited) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    try {
      const code = await this.proc.exited;
      await this.drained;
      return code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last-resort cleanup for afterAll/finally: never throws. */
  kill(): void {
    try {
      if (!this.exited) this.proc.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** A port that was free a moment ago (bound to 127.0.0.1 with port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `url` until it answers (any status) or `ms` pass. */
export async function waitForHttp(url: string, ms = 10_000): Promise<Response> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(1000) });
    } catch (e) {
      last = e;
      await Bun.sleep(50);
    }
  }
  throw new Error(`${url} did not answer within ${ms}ms: ${String(last)}`);
}

/** Parses stdout as exactly one JSON document (the contract for --json). */
export function parseJsonOutput<T = unknown>(stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch (e) {
    throw new Error(`stdout is not one JSON document (${e instanceof Error ? e.message : e}):\n${stdout}`);
  }
}

/** The non-empty lines of a stream. */
export const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');
