#!/usr/bin/env bun
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { registerAudit } from './audit.ts';
import { registerKeys } from './keys.ts';
import { registerModels } from './models.ts';
import { CliError } from './output.ts';
import { registerServe } from './serve.ts';
import { registerTail } from './tail.ts';
import { registerTenants } from './tenants.ts';
import { registerUsage } from './usage.ts';
import { registerValidate } from './validate.ts';

const program = new Command()
  .name('dvara')
  .description('Dvara: an OpenAI-compatible AI gateway. Point any OpenAI SDK at it and reach every provider.')
  .version(VERSION, '-v, --version')
  .exitOverride()
  .addHelpText(
    'after',
    `
Quick start:
  dvara validate -c dvara.yaml        check a config
  dvara serve -c dvara.yaml           run the gateway (first start prints a key)
  dvara keys create --tenant default  another key
  dvara tail -f                       watch requests as they arrive`,
  );

registerServe(program);
registerValidate(program);
registerTenants(program);
registerKeys(program);
registerModels(program);
registerTail(program);
registerUsage(program);
registerAudit(program);

// Exit codes (contract): 0 ok, 1 the user's error, 2 Dvara's.
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 1;
  } else if (e instanceof CliError) {
    for (const line of e.details) console.error(line);
    console.error(`dvara: ${e.message}`);
    process.exitCode = e.exitCode;
  } else {
    console.error(`dvara: internal error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  }
}
