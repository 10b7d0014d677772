import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.ts';
import { configPath, type GlobalOptions } from './context.ts';
import { printJson } from './output.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check the config without starting anything; prints every error as path: message')
    .option('-c, --config <file>', 'config file (default: ./dvara.yaml, or $DVARA_CONFIG)')
    .option('--json', 'print JSON instead of text')
    .action(async (opts: GlobalOptions) => {
      const { path } = configPath(opts);
      const r = await loadConfigFile(path);
      if (opts.json) printJson(r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.issues });
      else if (r.ok) console.log('ok');
      else for (const i of r.issues) console.error(`${i.path}: ${i.message}`);
      if (!r.ok) process.exitCode = 1;
    });
}
