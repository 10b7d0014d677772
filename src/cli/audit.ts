import type { Command } from 'commander';
import { auditKey } from './audit-log.ts';
import { withStore, type GlobalOptions } from './context.ts';
import { CliError, c, printJson } from './output.ts';
import { addStoreOptions } from './options.ts';

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('Check the tamper-evident audit chains (request log and admin events)');

  addStoreOptions(audit.command('verify'))
    .description('Walk both chains with the audit key; exit 1 at the first row that was edited, deleted or reordered')
    .option('--key <hmac-key>', 'the audit key (default: $DVARA_AUDIT_KEY, else audit.hmac_key in the config)')
    .action(async (opts: GlobalOptions & { key?: string }) => {
      const key = await auditKey(opts);
      if (!key) throw new CliError('no audit key: set audit.hmac_key in the config (the key the gateway signs rows with), or pass --key or $DVARA_AUDIT_KEY');
      const reports = await withStore(opts, async (store) => store.requestLog(key).verify());
      const ok = reports.every((r) => r.ok);
      if (opts.json) {
        printJson({ ok, tables: reports.map((r) => ({ table: r.table, rows: r.rows, ok: r.ok, broken: r.broken ?? null })) });
      } else {
        for (const r of reports) {
          if (r.ok) console.log(`${r.table}: ${r.rows} row${r.rows === 1 ? '' : 's'}, ${c.green('chain intact')}`);
          else console.log(`${r.table}: ${c.red(`broken at seq ${r.broken!.seq}`)}: ${r.broken!.reason}`);
        }
      }
      // Exit 1 with the report on stdout (like `validate`): a broken chain is a finding, not a crash.
      if (!ok) process.exitCode = 1;
    });
}
