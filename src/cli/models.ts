import type { Command } from 'commander';
import { createAdapters } from '../providers/registry.ts';
import { Router } from '../routing/resolve.ts';
import { loadConfig, type GlobalOptions } from './context.ts';
import { printJson, printTable } from './output.ts';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('List the models the config can route, with the provider that answers each')
    .option('-c, --config <file>', 'config file (default: ./dvara.yaml, or $DVARA_CONFIG)')
    .option('--json', 'print JSON instead of text')
    .action(async (opts: GlobalOptions) => {
      const config = await loadConfig(opts);
      const adapters = createAdapters(config);
      const models = new Router(config, adapters)
        .listModels()
        .map((m) => ({ id: m.id, provider: m.provider, type: adapters.get(m.provider)!.type }));
      if (opts.json) return printJson(models);
      printTable(['MODEL', 'PROVIDER', 'TYPE'], models.map((m) => [m.id, m.provider, m.type]));
      console.log('\nAny name also routes as PROVIDER/MODEL, e.g. ' + `${models[0]?.provider ?? 'openai'}/any-model-name.`);
    });
}
