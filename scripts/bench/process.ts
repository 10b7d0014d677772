// Starting, waiting for and stopping systems under test.
import { openSync } from 'node:fs';
import { processTree } from './proc-stats.ts';
import type { RunningSystem } from './types.ts';

/** Spawns `argv` pinned to `cpus`, output to a log file (never to the harness's terminal). */
export function spawnPinned(cpus: string, argv: string[], opts: { logFile: string; env?: Record<string, string | undefined>; cwd?: string }) {
  const log = openSync(opts.logFile, 'a');
  return Bun.spawn(['taskset', '-c', cpus, ...argv], { stdout: log, stderr: log, stdin: 'ignore', env: opts.env ?? process.env, cwd: opts.cwd });
}

/** Polls with a real chat request until the system answers 2xx, or throws after `ms`. */
export async function waitReady(sys: RunningSystem, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    try {
      const res = await fetch(sys.baseUrl + sys.chatPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sys.headers },
        body: JSON.stringify({ model: sys.model, messages: [{ role: 'user', content: 'ready?' }] }),
      });
      const text = await res.text();
      if (res.ok) return;
      last = `${res.status} ${text.slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await Bun.sleep(200);
  }
  throw new Error(`not ready after ${ms} ms: ${last}`);
}

/** SIGTERM to the whole tree, SIGKILL to what is left after 3 s. */
export async function killTree(root: number): Promise<void> {
  if (root <= 0) return;
  const pids = processTree(root).map((s) => s.pid);
  for (const pid of pids) try { process.kill(pid, 'SIGTERM'); } catch {}
  const end = Date.now() + 3000;
  while (Date.now() < end && pids.some(alive)) await Bun.sleep(50);
  for (const pid of pids.filter(alive)) try { process.kill(pid, 'SIGKILL'); } catch {}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
