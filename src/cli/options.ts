import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../config/units.ts';

/** The options every command that touches state takes (contract: Binary and commands). */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (default: ./dvara.yaml, or $DVARA_CONFIG)')
    .option('--store <url>', 'store URL, overriding the config (or $DVARA_STORE), e.g. sqlite:./dvara.db')
    .option('--json', 'print JSON instead of text');
}

export function parsePositiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number.`);
    return n;
  };
}

export function parsePositiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number.`);
    return n;
  };
}

/** "30d", "24h", "90m" → milliseconds. */
export function parseDurationArg(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('use a positive duration such as 30d, 24h or 15m.');
  return ms;
}
