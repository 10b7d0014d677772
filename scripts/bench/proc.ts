// Process helpers shared by the benchmark's systems under test (peers, Dvara, floor): spawn pinned to
// CPUs with taskset, wait until a system answers a real chat request, walk and kill a process tree.
// Linux only (reads /proc). Runs under Bun.
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Subprocess } from 'bun';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parent pid of a process, from /proc/<pid>/stat (the comm field may contain spaces and parens). */
function readStat(pid: number): { ppid: number; state: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** pid and all its live descendants (root first), found by walking /proc/<pid>/stat ppid links. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const st = readStat(pid);
    if (!st || st.state === 'Z') continue;
    const list = children.get(st.ppid);
    if (list) list.push(pid); else children.set(st.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = isAlive(root) ? [root] : [];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return out;
}

function signalAll(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try { process.kill(pid, sig); } catch { /* already gone */ }
  }
}

/**
 * Kills root and every descendant: SIGTERM, then SIGKILL to whatever is left after graceMs, and waits
 * until all of them are gone (or timeoutMs). The tree is re-walked while waiting, so children forked
 * during shutdown and processes already re-parented away are still covered (all pids ever seen are kept).
 */
export async function killTree(root: number, opts: { graceMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const graceMs = opts.graceMs ?? 3000;
  const timeoutMs = opts.timeoutMs ?? graceMs + 5000;
  const seen = new Set<number>(processTree(root));
  if (seen.size === 0) return;
  signalAll(seen, 'SIGTERM');
  const start = Date.now();
  let killed = false;
  for (;;) {
    if (isAlive(root)) for (const p of processTree(root)) seen.add(p);
    const alive = [...seen].filter(isAlive);
    if (alive.length === 0) return;
    const elapsed = Date.now() - start;
    if (!killed && elapsed >= graceMs) {
      signalAll(alive, 'SIGKILL');
      killed = true;
    }
    if (elapsed >= timeoutMs) throw new Error(`killTree(${root}): still alive after ${timeoutMs} ms: ${alive.join(' ')}`);
    await sleep(25);
  }
}

export interface SpawnPinnedOptions {
  /** CPU list for taskset, e.g. "0" or "2-3". Empty: not pinned. */
  cpus: string;
  cmd: string[];
  cwd?: string;
  /** Added to (and overriding) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** stdout and stderr of the process go to this file (created/truncated). */
  logFile: string;
}

/** Spawns `taskset -c cpus cmd…` (taskset execs, so the pid is the command's), logging to logFile. */
export function spawnPinned(o: SpawnPinnedOptions): Subprocess {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, 'w');
  try {
    const argv = o.cpus ? ['taskset', '-c', o.cpus, ...o.cmd] : o.cmd;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...o.env })) if (v !== undefined) env[k] = v;
    return Bun.spawn(argv, { cwd: o.cwd, env, stdin: 'ignore', stdout: fd, stderr: fd });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/** Last `bytes` of a log file (for error messages). */
export function logTail(file: string, bytes = 2000): string {
  try {
    const s = readFileSync(file, 'utf8');
    return s.length > bytes ? `…${s.slice(-bytes)}` : s;
  } catch {
    return '(no log)';
  }
}

export function chatBody(model: string, stream = false): Record<string, unknown> {
  return {
    model,
    messages: [{ role: 'user', content: 'ping' }],
    max_tokens: 16,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

export interface WaitReadyOptions {
  /** Full URL of the chat endpoint, e.g. http://127.0.0.1:PORT/v1/chat/completions */
  url: string;
  headers?: Record<string, string>;
  model: string;
  /** Default 60 s. */
  timeoutMs?: number;
  /** The process being waited for: stop early if it exits. */
  proc?: Subprocess;
  /** Included in the error message (its tail). */
  logFile?: string;
  /** Delay between attempts, default 200 ms. */
  intervalMs?: number;
}

/** Polls with a real (non-stream) chat request until the system answers 200 with choices. */
export async function waitReady(o: WaitReadyOptions): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const body = JSON.stringify(chatBody(o.model));
  let last = 'no attempt';
  for (;;) {
    if (o.proc && o.proc.exitCode !== null) {
      throw new Error(`exited with code ${o.proc.exitCode} before answering (${last})${o.logFile ? `\n${logTail(o.logFile)}` : ''}`);
    }
    if (o.proc?.signalCode) throw new Error(`killed by ${o.proc.signalCode} before answering${o.logFile ? `\n${logTail(o.logFile)}` : ''}`);
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...o.headers },
        body,
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      if (res.ok) {
        try {
          const j = JSON.parse(text);
          if (Array.isArray(j?.choices) && j.choices.length > 0) return;
          last = `200 without choices: ${text.slice(0, 200)}`;
        } catch {
          last = `200 with non-JSON body: ${text.slice(0, 200)}`;
        }
      } else {
        last = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      }
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(`not ready after ${o.timeoutMs ?? 60_000} ms (last: ${last})${o.logFile ? `\n${logTail(o.logFile)}` : ''}`);
    }
    await sleep(o.intervalMs ?? 200);
  }
}

export interface RunResult { code: number; out: string; ms: number }

/** Runs a command to completion (no shell), capturing stdout+stderr; appends them to logFile when given. */
export async function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; logFile?: string } = {}): Promise<RunResult> {
  const t0 = Date.now();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  let proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  try {
    proc = Bun.spawn(cmd, { cwd: opts.cwd, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  } catch (e) {
    return { code: 127, out: `${cmd[0]}: ${(e as Error).message}`, ms: Date.now() - t0 };
  }
  let timedOut = false;
  const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; void killTree(proc.pid, { graceMs: 2000 }).catch(() => {}); }, opts.timeoutMs) : undefined;
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  if (timer) clearTimeout(timer);
  const out = `${stdout}${stderr}${timedOut ? `\n(timed out after ${opts.timeoutMs} ms)` : ''}`;
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    appendFileSync(opts.logFile, `$ ${cmd.join(' ')}\n${out}\n(exit ${code}, ${Date.now() - t0} ms)\n`);
  }
  return { code: timedOut ? 124 : code, out, ms: Date.now() - t0 };
}

/** Last lines of a command's output, for a one-line skip reason. */
export function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').filter(Boolean).slice(-n).join(' | ').slice(0, 600);
}

/** Is a command on PATH? */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = `${dir || '.'}/${cmd}`;
    try {
      if (statSync(p).isFile()) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** Wraps a Subprocess as the stop() of a RunningSystem: kills the tree and waits for the root to be reaped. */
export function stopper(proc: Subprocess): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= (async () => {
      await killTree(proc.pid);
      await Promise.race([proc.exited, sleep(2000)]);
    })();
    return stopping;
  };
}

export interface StartSystemOptions {
  name: string;
  ctx: { cpus: string; port: number; workDir: string };
  cmd: string[];
  env?: Record<string, string | undefined>;
  headers: Record<string, string>;
  model: string;
  readyTimeoutMs?: number;
}

/**
 * Starts a system under test on ctx.port pinned to ctx.cpus, waits until it answers a real chat request,
 * and returns it; a system that does not come up is killed and reported with its log's tail.
 */
export async function startSystem(o: StartSystemOptions): Promise<import('./types.ts').RunningSystem> {
  mkdirSync(o.ctx.workDir, { recursive: true });
  const logFile = `${o.ctx.workDir}/${o.name}.log`;
  const proc = spawnPinned({ cpus: o.ctx.cpus, cmd: o.cmd, cwd: o.ctx.workDir, logFile, env: o.env });
  const baseUrl = `http://127.0.0.1:${o.ctx.port}`;
  const chatPath = '/v1/chat/completions';
  const stop = stopper(proc);
  try {
    await waitReady({ url: baseUrl + chatPath, headers: o.headers, model: o.model, proc, logFile, timeoutMs: o.readyTimeoutMs });
  } catch (e) {
    await stop();
    throw new Error(`${o.name} did not start: ${(e as Error).message}`);
  }
  return { baseUrl, chatPath, headers: o.headers, model: o.model, pid: proc.pid, stop };
}
