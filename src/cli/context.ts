import YAML from 'yaml';
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { extractReferences, resolveReferences } from '../config/interpolate.ts';
import { openStore, StoreError } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { CliError } from './output.ts';

export interface GlobalOptions {
  config?: string;
  store?: string;
  json?: boolean;
}

const DEFAULT_STORE = 'sqlite:./dvara.db';

/** `-c FILE`, else $DVARA_CONFIG, else ./dvara.yaml. */
export function configPath(opts: GlobalOptions): { path: string; explicit: boolean } {
  const explicit = opts.config ?? process.env.DVARA_CONFIG;
  return { path: explicit ?? './dvara.yaml', explicit: explicit !== undefined };
}

/** The validated config, or a CliError listing every problem as `path: message`. */
export async function loadConfig(opts: GlobalOptions): Promise<Config> {
  const { path } = configPath(opts);
  const r = await loadConfigFile(path);
  if (!r.ok) {
    throw new CliError(`${path}: invalid config (${r.issues.length} error${r.issues.length === 1 ? '' : 's'})`, 1, r.issues.map((i) => `${i.path}: ${i.message}`));
  }
  return r.config;
}

/**
 * The store URL for admin commands: --store, $DVARA_STORE, the config's `store:`, else the default.
 * Only `store:` is read from the config, so `dvara keys create` works in a shell that lacks the
 * providers' secrets.
 */
export async function storeUrl(opts: GlobalOptions, config?: Config): Promise<string> {
  const override = opts.store ?? process.env.DVARA_STORE;
  if (override) return override;
  if (config) return config.store;
  const { path, explicit } = configPath(opts);
  if (!existsSync(path)) {
    if (explicit) throw new CliError(`${path}: config file not found`);
    return DEFAULT_STORE;
  }
  const { text, refs } = extractReferences(await Bun.file(path).text());
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid YAML (${e instanceof Error ? e.message.split('\n')[0] : e}); run \`dvara validate\``);
  }
  const store = (raw as { store?: unknown } | null)?.store;
  if (store === undefined) return DEFAULT_STORE;
  const issues: Array<{ path: string; message: string }> = [];
  const url = resolveReferences(store, refs, process.env, issues, ['store']);
  if (issues.length > 0 || typeof url !== 'string') throw new CliError(`${path}: store: ${issues[0]?.message ?? 'must be a string'}`);
  return url;
}

export function openStoreOrFail(url: string): Store {
  try {
    return openStore(url);
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(`store: ${e.message}`);
    throw e;
  }
}

/** Runs `fn` with the admin store open, closing it afterwards. */
export async function withStore<T>(opts: GlobalOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStoreOrFail(await storeUrl(opts));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
