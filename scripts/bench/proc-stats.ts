// CPU time and memory of a process tree, read from /proc: what a system under test costs, whatever it
// is written in and however many processes or threads it runs.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux x86-64; /proc reports CPU time in these ticks
const PAGE = 4096;

interface Stat {
  pid: number;
  ppid: number;
  ticks: number;
  rssBytes: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * PAGE };
  } catch {
    return null;
  }
}

/** The root and all its descendants, as they are now. */
export function processTree(root: number): Stat[] {
  const all: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name)) {
      const s = readStat(Number(name));
      if (s) all.push(s);
    }
  }
  const tree = all.filter((s) => s.pid === root);
  for (let i = 0; i < tree.length; i++) for (const s of all) if (s.ppid === tree[i]!.pid) tree.push(s);
  return tree;
}

/** CPU seconds (user + system) used so far by the tree. */
export function cpuSeconds(root: number): number {
  return processTree(root).reduce((sum, s) => sum + s.ticks, 0) / CLK_TCK;
}

/** Resident memory of the tree in MiB. */
export function rssMiB(root: number): number {
  return processTree(root).reduce((sum, s) => sum + s.rssBytes, 0) / (1024 * 1024);
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
