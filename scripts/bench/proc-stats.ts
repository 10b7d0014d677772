// CPU time and memory of a process tree, read from /proc: what a system under test costs, whatever it
// is written in and however many processes or threads it runs.
import { readFileSync } from 'node:fs';
import { processTree } from './proc.ts';

const CLK_TCK = 100; // USER_HZ on Linux x86-64; /proc reports CPU time in these ticks
const PAGE = 4096;

/** CPU ticks (user + system) and resident bytes of one process; zero once it is gone. */
function usage(pid: number): { ticks: number; rssBytes: number } {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * PAGE };
  } catch {
    return { ticks: 0, rssBytes: 0 };
  }
}

/** CPU seconds (user + system) used so far by the tree. */
export function cpuSeconds(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + usage(pid).ticks, 0) / CLK_TCK;
}

/** Resident memory of the tree in MiB. */
export function rssMiB(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + usage(pid).rssBytes, 0) / (1024 * 1024);
}

/** Samples the tree's RSS every `everyMs` until stopped; returns the peak in MiB. */
export function sampleRss(root: number, everyMs = 100): { stop(): number } {
  let peak = rssMiB(root);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(root))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB(root));
    },
  };
}
