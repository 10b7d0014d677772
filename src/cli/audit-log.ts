import YAML from 'yaml';
import { existsSync } from 'node:fs';
import { extractReferences, resolveReferences } from '../config/interpolate.ts';
import type { Store } from '../store/types.ts';
import { configPath, type GlobalOptions } from './context.ts';
import { CliError } from './output.ts';

// Settings admin commands need besides `store:` (the audit key, the admin token), read from the raw YAML like
// storeUrl() does: only the one value is interpolated, so a shell without the providers' secrets still works.

/** One string setting from the config (`['audit', 'hmac_key']`), ${VAR} resolved; undefined when absent. */
export async function readConfigSetting(opts: GlobalOptions, path: readonly string[]): Promise<string | undefined> {
  const { path: file, explicit } = configPath(opts);
  if (!existsSync(file)) {
    if (explicit) throw new CliError(`${file}: config file not found`);
    return undefined;
  }
  const { text, refs } = extractReferences(await Bun.file(file).text());
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (e) {
    throw new CliError(`${file}: not valid YAML (${e instanceof Error ? e.message.split('\n')[0] : e}); run \`dvara validate\``);
  }
  for (const part of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  if (value === undefined || value === null) return undefined;
  const issues: Array<{ path: string; message: string }> = [];
  const resolved = resolveReferences(value, refs, process.env, issues, [...path]);
  if (issues.length > 0 || typeof resolved !== 'string') throw new CliError(`${file}: ${path.join('.')}: ${issues[0]?.message ?? 'must be a string'}`);
  return resolved;
}

/**
 * The key the audit chains are signed with: --key, else $DVARA_AUDIT_KEY, else the config's `audit.hmac_key`
 * (the same order as the store URL: the most explicit wins). Undefined when none is set.
 */
export async function auditKey(opts: GlobalOptions & { key?: string }): Promise<string | undefined> {
  const given = opts.key ?? process.env.DVARA_AUDIT_KEY;
  if (given) return given;
  return readConfigSetting(opts, ['audit', 'hmac_key']);
}

export type AdminAction = 'tenant.add' | 'tenant.remove' | 'key.create' | 'key.revoke' | 'key.rotate';

/**
 * Appends an admin action to the admin-event chain (signed when an audit key is configured, as the gateway's
 * request rows are). Called after the change has committed, so a failure here only warns: exiting 1 would tell a
 * script the change failed and invite a retry (a second key, say) when it in fact took effect.
 */
export async function recordAdminEvent(
  store: Store,
  opts: GlobalOptions,
  action: AdminAction,
  target: string,
  detail: Record<string, unknown>,
): Promise<void> {
  try {
    const key = await auditKey({ config: opts.config });
    store.requestLog(key ?? null).appendAdminEvent({
      actor: `cli:${process.env.USER ?? 'unknown'}`,
      action,
      target,
      detail: JSON.stringify(detail),
    });
  } catch (e) {
    console.error(`dvara: warning: the change was made but not written to the audit log: ${e instanceof Error ? e.message : String(e)}`);
  }
}
