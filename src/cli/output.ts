import chalk from 'chalk';

/** A user's mistake: one line on stderr, exit 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Extra lines (e.g. every config error) printed before the summary line. */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

// Colour only on a TTY, never with NO_COLOR (contract).
if (!process.stdout.isTTY || process.env.NO_COLOR !== undefined) chalk.level = 0;
export const c = chalk;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table; empty lists say so instead of printing a bare header. */
export function printTable(headers: string[], rows: string[][], empty = '(none)'): void {
  if (rows.length === 0) {
    console.log(c.dim(empty));
    return;
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(c.bold(line(headers)));
  for (const r of rows) console.log(line(r));
}

export const isoTime = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const shortTime = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
