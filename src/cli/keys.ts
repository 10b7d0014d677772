import type { Command } from 'commander';
import { displayPrefix, hashKey, newKeySecret } from '../store/ids.ts';
import type { ApiKeyRecord, Store } from '../store/types.ts';
import { recordAdminEvent } from './audit-log.ts';
import { withStore, type GlobalOptions } from './context.ts';
import { CliError, c, isoTime, printJson, printTable, shortTime } from './output.ts';
import { addStoreOptions, parseDurationArg, parsePositiveInt, parsePositiveNumber } from './options.ts';

interface CreateOptions extends GlobalOptions {
  tenant: string;
  name?: string;
  expires?: number;
  models?: string;
  rpm?: number;
  tpm?: number;
  budget?: number;
}

function status(k: ApiKeyRecord, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (k.revoked_at !== null) return 'revoked';
  if (k.expires_at !== null && k.expires_at <= now) return 'expired';
  return 'active';
}

/** A key as admin output shows it: everything but the secret and its hash. */
function keyJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    tenant: k.tenant,
    name: k.name,
    prefix: k.prefix,
    status: status(k),
    models: k.models,
    rpm: k.rpm,
    tpm: k.tpm,
    budget_usd: k.budget_usd,
    expires_at: isoTime(k.expires_at),
    created_at: isoTime(k.created_at),
    revoked_at: isoTime(k.revoked_at),
  };
}

/** What the admin-event log keeps about a key: its settings, never its secret or hash. */
function keyDetail(k: ApiKeyRecord) {
  return { tenant: k.tenant, name: k.name, models: k.models, rpm: k.rpm, tpm: k.tpm, budget_usd: k.budget_usd, expires_at: isoTime(k.expires_at) };
}

/** Creates a key and returns its secret, which exists only in this return value from now on. */
export async function createKey(
  store: Store,
  tenantName: string,
  o: { name?: string | null; expiresAt?: number | null; models?: string[] | null; rpm?: number | null; tpm?: number | null; budget?: number | null },
): Promise<{ secret: string; record: ApiKeyRecord }> {
  const tenant = await store.getTenant(tenantName);
  if (!tenant) throw new CliError(`no tenant named "${tenantName}" (create it: dvara tenants add ${tenantName})`);
  const secret = newKeySecret();
  const record = await store.addKey({
    tenant_id: tenant.id,
    name: o.name ?? null,
    prefix: displayPrefix(secret),
    hash: hashKey(secret),
    models: o.models?.length ? o.models : null,
    rpm: o.rpm ?? null,
    tpm: o.tpm ?? null,
    budget_usd: o.budget ?? null,
    expires_at: o.expiresAt ?? null,
  });
  return { secret, record };
}

function printCreated(secret: string, record: ApiKeyRecord, opts: GlobalOptions, verb = 'Created'): void {
  if (opts.json) {
    printJson({ ...keyJson(record), key: secret });
    return;
  }
  const expiry = record.expires_at ? `, expires ${isoTime(record.expires_at)}` : '';
  console.log(`${verb} key ${record.id} for tenant ${record.tenant}${record.name ? ` (${record.name})` : ''}${expiry}.`);
  console.log(c.bold(secret));
  console.log(c.dim('Store it now: the secret is shown only this once.'));
}

async function getKeyOrFail(store: Store, id: string): Promise<ApiKeyRecord> {
  const key = await store.getKey(id);
  if (!key) throw new CliError(`no key with id "${id}" (see: dvara keys list)`);
  return key;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys (mk-...) that clients send as Bearer tokens');

  addStoreOptions(keys.command('create'))
    .description('Create a key; its secret is printed once')
    .requiredOption('--tenant <name>', 'tenant that owns the key')
    .option('--name <label>', 'a label to recognise the key by')
    .option('--expires <duration>', 'expire after this long, e.g. 30d, 12h', parseDurationArg)
    .option('--models <globs>', 'comma-separated model names or globs the key may use, e.g. "gpt-4o*,demo/*"')
    .option('--rpm <n>', 'requests per minute limit', parsePositiveInt('--rpm'))
    .option('--tpm <n>', 'tokens per minute limit', parsePositiveInt('--tpm'))
    .option('--budget <usd>', 'spending budget in USD', parsePositiveNumber('--budget'))
    .action(async (opts: CreateOptions) => {
      const models = opts.models?.split(',').map((m) => m.trim()).filter(Boolean) ?? null;
      const { secret, record } = await withStore(opts, async (store) => {
        const created = await createKey(store, opts.tenant, {
          name: opts.name,
          expiresAt: opts.expires === undefined ? null : Date.now() + opts.expires,
          models,
          rpm: opts.rpm,
          tpm: opts.tpm,
          budget: opts.budget,
        });
        await recordAdminEvent(store, opts, 'key.create', created.record.id, keyDetail(created.record));
        return created;
      });
      printCreated(secret, record, opts);
    });

  addStoreOptions(keys.command('list'))
    .description('List keys (never their secrets)')
    .option('--tenant <name>', 'only this tenant\'s keys')
    .action(async (opts: GlobalOptions & { tenant?: string }) => {
      const list = await withStore(opts, async (store) => {
        if (opts.tenant !== undefined && !(await store.getTenant(opts.tenant))) throw new CliError(`no tenant named "${opts.tenant}"`);
        return store.listKeys(opts.tenant);
      });
      if (opts.json) return printJson(list.map(keyJson));
      printTable(
        ['ID', 'TENANT', 'NAME', 'PREFIX', 'STATUS', 'MODELS', 'EXPIRES', 'CREATED'],
        list.map((k) => [k.id, k.tenant, k.name ?? '-', `${k.prefix}…`, status(k), k.models?.join(',') ?? '*', shortTime(k.expires_at), shortTime(k.created_at)]),
        'No keys yet. Create one: dvara keys create --tenant NAME',
      );
    });

  addStoreOptions(keys.command('revoke').argument('<id>', 'key id (key_...)'))
    .description('Revoke a key; a running gateway refuses it within a second')
    .action(async (id: string, opts: GlobalOptions) => {
      const key = await withStore(opts, async (store) => {
        const k = await getKeyOrFail(store, id);
        await store.revokeKey(id, Date.now());
        await recordAdminEvent(store, opts, 'key.revoke', id, { tenant: k.tenant, already_revoked: k.revoked_at !== null });
        return k;
      });
      if (opts.json) printJson({ id, revoked: true });
      else console.log(`Revoked key ${id} (${key.prefix}…)${key.revoked_at ? ' (it was already revoked)' : ''}.`);
    });

  addStoreOptions(keys.command('rotate').argument('<id>', 'key id (key_...)'))
    .description('Replace a key with a new secret; the old one keeps working for the grace period')
    .option('--grace <duration>', 'how long the old key stays valid, e.g. 24h (default: revoke now)', parseDurationArg)
    .action(async (id: string, opts: GlobalOptions & { grace?: number }) => {
      const { secret, record } = await withStore(opts, async (store) => {
        const old = await getKeyOrFail(store, id);
        if (status(old) !== 'active') throw new CliError(`key ${id} is ${status(old)}; create a new one instead`);
        const created = await createKey(store, old.tenant, {
          name: old.name,
          expiresAt: old.expires_at,
          models: old.models,
          rpm: old.rpm,
          tpm: old.tpm,
          budget: old.budget_usd,
        });
        if (opts.grace) await store.setKeyExpiry(id, Date.now() + opts.grace);
        else await store.revokeKey(id, Date.now());
        await recordAdminEvent(store, opts, 'key.rotate', id, { ...keyDetail(created.record), new_id: created.record.id, grace_ms: opts.grace ?? 0 });
        return created;
      });
      printCreated(secret, record, opts, `Rotated ${id}: created`);
    });
}
