// Structured logs: one JSON object per line on stderr, with a time, a level and the trace id where there is one.
// The level is set once at start (config `log_level`, or $DVARA_LOG_LEVEL). Callers pass facts, never secrets
// or message bodies.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold = RANK[(process.env.DVARA_LOG_LEVEL as LogLevel) ?? 'info'] ?? RANK.info;

export function setLogLevel(level: LogLevel): void {
  threshold = RANK[(process.env.DVARA_LOG_LEVEL as LogLevel) ?? level] ?? RANK[level];
}

/** Whether a level is on; check it before building an expensive entry. */
export function logs(level: LogLevel): boolean {
  return RANK[level] >= threshold;
}

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}
