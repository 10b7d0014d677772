import { InvalidArgumentError, type Command } from 'commander';
import type { UsageGrouping, UsageRow } from '../store/request-log.ts';
import { withStore, type GlobalOptions } from './context.ts';
import { c, isoTime, printJson, printTable } from './output.ts';
import { addStoreOptions, parseDurationArg } from './options.ts';

const GROUPINGS: readonly UsageGrouping[] = ['tenant', 'key', 'model', 'day'];
const DAY_MS = 86_400_000;

interface UsageOptions extends GlobalOptions {
  since?: number;
  by?: UsageGrouping;
}

function parseGrouping(v: string): UsageGrouping {
  if (!(GROUPINGS as readonly string[]).includes(v)) throw new InvalidArgumentError(`use one of ${GROUPINGS.join(', ')}.`);
  return v as UsageGrouping;
}

/** USD with 4 to 6 decimals: enough to see a fraction of a cent without a tail of zeros on bigger sums. */
export function formatUsd(n: number): string {
  let s = n.toFixed(6);
  while (s.endsWith('0') && s.length - s.indexOf('.') - 1 > 4) s = s.slice(0, -1);
  return s;
}

function total(rows: readonly UsageRow[]): UsageRow {
  const t: UsageRow = { group: 'TOTAL', requests: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, unpriced: 0, errors: 0 };
  for (const r of rows) {
    t.requests += r.requests;
    t.prompt_tokens += r.prompt_tokens;
    t.completion_tokens += r.completion_tokens;
    t.cached_tokens += r.cached_tokens;
    t.cost_usd += r.cost_usd;
    t.unpriced += r.unpriced;
    t.errors += r.errors;
  }
  return t;
}

const cells = (r: UsageRow) => [r.group, String(r.requests), String(r.prompt_tokens), String(r.completion_tokens), String(r.cached_tokens), formatUsd(r.cost_usd), String(r.errors)];

export function registerUsage(program: Command): void {
  const usage = addStoreOptions(program.command('usage'))
    .description('Token and cost totals from the request log, grouped by tenant, key, model or day')
    .option('--since <duration>', 'how far back to count, e.g. 7d, 24h (default: 30d)', parseDurationArg)
    .option('--by <grouping>', `group by ${GROUPINGS.join(', ')} (default: tenant)`, parseGrouping)
    .action(async (opts: UsageOptions) => {
      const by = opts.by ?? 'tenant';
      const since = Date.now() - (opts.since ?? 30 * DAY_MS);
      const rows = await withStore(opts, async (store) => store.requestLog(null).usage(since, by));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) {
        console.log(c.dim(`No requests since ${isoTime(since)}.`));
        return;
      }
      const sum = total(rows);
      printTable([by.toUpperCase(), 'REQUESTS', 'PROMPT', 'COMPLETION', 'CACHED', 'COST USD', 'ERRORS'], [...rows.map(cells), cells(sum)]);
      if (sum.unpriced > 0) {
        console.log(c.dim(`${sum.unpriced} request${sum.unpriced === 1 ? '' : 's'} had no price; their cost is not included.`));
      }
    });

  addStoreOptions(usage.command('prune'))
    .description('Delete request log rows older than a duration (the audit chain stays verifiable)')
    .requiredOption('--before <duration>', 'delete rows older than this, e.g. 90d', parseDurationArg)
    .action(async (_opts: unknown, cmd: Command) => {
      // `usage` has the same store options and commander lets a parent take its own options from anywhere on the
      // line, so `usage prune --store X` lands on `usage`: read them from both.
      const opts = cmd.optsWithGlobals<GlobalOptions & { before: number }>();
      const before = Date.now() - opts.before;
      const deleted = await withStore(opts, (store) => store.requestLog(null).prune(before));
      if (opts.json) printJson({ deleted, before: isoTime(before) });
      else console.log(`Deleted ${deleted} request${deleted === 1 ? '' : 's'} logged before ${isoTime(before)}.`);
    });
}
