import { InvalidArgumentError, type Command } from 'commander';
import { MAX_LIMIT, readRequests, type RequestRow, type RequestsQuery } from '../server/admin-requests.ts';
import { readConfigSetting } from './audit-log.ts';
import { openStoreOrFail, storeUrl, type GlobalOptions } from './context.ts';
import { CliError, c } from './output.ts';
import { addStoreOptions } from './options.ts';

interface TailOptions extends GlobalOptions {
  lines: number;
  follow?: boolean;
  tenant?: string;
  key?: string;
  model?: string;
  status?: number;
  errors?: boolean;
  url?: string;
  adminToken?: string;
}

interface Page {
  requests: RequestRow[];
  last_seq: number;
}

/** Where rows come from: the store itself, or a running gateway's admin API. */
interface Source {
  read(limit: number, sinceSeq?: number): Promise<Page>;
  /** False when nothing can have changed since the last read (skips a poll). */
  changed(): boolean;
  close(): void;
}

const POLL_MS = 250;

/** A gateway that did not answer; while following, worth retrying rather than giving up (it may be restarting). */
class Unreachable extends CliError {}

function parseLines(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > MAX_LIMIT) throw new InvalidArgumentError(`-n must be a whole number from 1 to ${MAX_LIMIT}.`);
  return n;
}

function parseStatus(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new InvalidArgumentError('--status must be an HTTP status such as 200 or 429.');
  return n;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const count = (n: number | null) => (n === null ? '-' : String(n));

/** One request as one line: when, outcome, who, where it went, what it used and cost, how long it took. */
export function formatRequestLine(r: RequestRow): string {
  const d = new Date(r.ts);
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const statusText = r.error_code ? `${r.status} ${r.error_code}` : String(r.status);
  // A stream that ended in an error event still says 200, so the error code decides the colour too.
  const colour = r.status >= 500 || (r.error_code && r.status < 400) ? c.red : r.status >= 400 ? c.yellow : c.green;
  let tokens = `${count(r.prompt_tokens)}/${count(r.completion_tokens)}`;
  if (r.partial) tokens += ' (partial)';
  if (r.estimated) tokens += ' (est)';
  if (r.cached_tokens) tokens += ` cached ${r.cached_tokens}`;
  const latency = `${Math.round(r.latency_ms)}ms${r.ttft_ms === null ? '' : ` (ttft ${Math.round(r.ttft_ms)}ms)`}`;
  const parts = [
    c.dim(time),
    colour(statusText),
    r.tenant ?? '-',
    `${r.model ?? '-'} → ${r.provider ?? '-'}/${r.upstream_model ?? '-'}`,
    tokens,
    r.cost_usd === null ? '-' : `$${r.cost_usd.toFixed(6)}`,
    latency,
  ];
  if (r.cache_hit) parts.push('cache hit');
  if (r.attempts > 1) parts.push(`${r.attempts} attempts`);
  parts.push(c.dim(r.trace_id));
  return parts.join('  ');
}

function localSource(url: string, filter: RequestsQuery['filter']): Source {
  const store = openStoreOrFail(url);
  const log = store.requestLog(null); // reading needs no key
  let token = store.changeToken();
  return {
    async read(limit, sinceSeq) {
      token = store.changeToken();
      return readRequests(log, { filter, limit, sinceSeq });
    },
    changed: () => store.changeToken() !== token,
    close: () => store.close(),
  };
}

function remoteSource(base: string, token: string, filter: RequestsQuery['filter']): Source {
  const endpoint = `${base.replace(/\/+$/, '')}/admin/requests`;
  return {
    async read(limit, sinceSeq) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (filter.tenant) q.set('tenant', filter.tenant);
      if (filter.keyId) q.set('key', filter.keyId);
      if (filter.model) q.set('model', filter.model);
      if (filter.status !== undefined) q.set('status', String(filter.status));
      if (filter.errorsOnly) q.set('errors', '1');
      if (sinceSeq !== undefined) q.set('since_seq', String(sinceSeq));
      let res: Response;
      try {
        res = await fetch(`${endpoint}?${q}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      } catch (e) {
        throw new Unreachable(`cannot reach ${base}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (!res.ok) {
        const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 200);
        if (res.status === 401) throw new CliError(`${base} refused the admin token (check --admin-token or $DVARA_ADMIN_TOKEN): ${message}`);
        if (res.status === 404) throw new CliError(`${base} serves no request log at /admin/requests (is admin.token set in its config?): ${message}`);
        throw new CliError(`${base}: HTTP ${res.status}: ${message}`);
      }
      const page = body as Page | undefined;
      if (!page || !Array.isArray(page.requests) || typeof page.last_seq !== 'number') throw new CliError(`${base}: /admin/requests did not answer with a request list`);
      return page;
    },
    changed: () => true,
    close: () => {},
  };
}

async function openSource(opts: TailOptions, filter: RequestsQuery['filter']): Promise<Source> {
  const url = opts.url ?? process.env.DVARA_URL;
  if (!url) return localSource(await storeUrl(opts), filter);
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliError(`--url must be the gateway's http(s) address, e.g. http://localhost:8080 (got "${url}")`);
  const token = opts.adminToken ?? process.env.DVARA_ADMIN_TOKEN ?? (await readConfigSetting(opts, ['admin', 'token']));
  if (!token) throw new CliError('reading a running gateway needs its admin token: --admin-token, $DVARA_ADMIN_TOKEN or admin.token in the config');
  return remoteSource(url, token, filter);
}

/** Follows the log until SIGINT/SIGTERM; a page that comes back full is followed at once by the next. */
async function follow(source: Source, from: number, print: (r: RequestRow) => void, stopped: Promise<void>, isStopped: () => boolean): Promise<void> {
  let cursor = from;
  let warned = false;
  while (!isStopped()) {
    await Promise.race([Bun.sleep(POLL_MS), stopped]);
    if (isStopped() || !source.changed()) continue;
    for (;;) {
      let page: Page;
      try {
        page = await source.read(MAX_LIMIT, cursor);
      } catch (e) {
        if (!(e instanceof Unreachable)) throw e;
        if (!warned) console.error(c.dim(`dvara: ${e.message}; retrying`));
        warned = true;
        break;
      }
      warned = false;
      for (const r of page.requests) print(r);
      cursor = page.last_seq;
      if (page.requests.length < MAX_LIMIT || isStopped()) break;
    }
  }
}

export function registerTail(program: Command): void {
  addStoreOptions(program.command('tail'))
    .description('Print the latest requests, one line each; -f keeps printing new ones as they arrive')
    .option('-n, --lines <n>', 'how many requests to print', parseLines, 20)
    .option('-f, --follow', 'keep printing new requests until Ctrl-C')
    .option('--tenant <name>', 'only this tenant\'s requests')
    .option('--key <id>', 'only requests made with this key (key_...)')
    .option('--model <name>', 'only requests for this model (asked-for or upstream name)')
    .option('--status <code>', 'only requests answered with this HTTP status', parseStatus)
    .option('--errors', 'only failed requests (status >= 400 or an error code)')
    .option('--url <url>', 'read a running gateway\'s admin API instead of the store (or $DVARA_URL)')
    .option('--admin-token <token>', 'the gateway\'s admin token (or $DVARA_ADMIN_TOKEN, else admin.token in the config)')
    .addHelpText('after', '\n--json prints one JSON object per line (request bodies and audit HMACs are never included).')
    .action(async (opts: TailOptions) => {
      const filter: RequestsQuery['filter'] = { tenant: opts.tenant, keyId: opts.key, model: opts.model, status: opts.status, errorsOnly: opts.errors ?? false };
      const print = opts.json ? (r: RequestRow) => process.stdout.write(`${JSON.stringify(r)}\n`) : (r: RequestRow) => console.log(formatRequestLine(r));
      // Signals are taken over before the first read, so Ctrl-C at any point of a follow ends it cleanly (exit 0).
      let stop = () => {};
      let isStopped = false;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const onSignal = () => ((isStopped = true), stop());
      if (opts.follow) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      const source = await openSource(opts, filter);
      try {
        const first = await source.read(opts.lines);
        for (const r of first.requests) print(r);
        if (first.requests.length === 0 && !opts.json && !opts.follow) console.log(c.dim('No requests logged yet (or none match).'));
        if (opts.follow) await follow(source, first.last_seq, print, stopped, () => isStopped);
      } finally {
        source.close();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
