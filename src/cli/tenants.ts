import type { Command } from 'commander';
import { StoreError } from '../store/sqlite.ts';
import { recordAdminEvent } from './audit-log.ts';
import { withStore, type GlobalOptions } from './context.ts';
import { CliError, isoTime, printJson, printTable, shortTime } from './output.ts';
import { addStoreOptions } from './options.ts';

const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function registerTenants(program: Command): void {
  const tenants = program.command('tenants').description('Manage tenants (the owners of API keys)');

  addStoreOptions(tenants.command('add').argument('<name>', 'tenant name (letters, digits, "-", "_", ".")'))
    .description('Create a tenant')
    .action(async (name: string, opts: GlobalOptions) => {
      if (!TENANT_NAME.test(name)) throw new CliError(`invalid tenant name "${name}": use letters, digits, "-", "_" or "." (max 64)`);
      const t = await withStore(opts, async (store) => {
        try {
          const added = await store.addTenant(name);
          await recordAdminEvent(store, opts, 'tenant.add', added.name, { tenant: added.name, id: added.id });
          return added;
        } catch (e) {
          if (e instanceof StoreError) throw new CliError(e.message);
          throw e;
        }
      });
      if (opts.json) printJson({ id: t.id, name: t.name, created_at: isoTime(t.created_at) });
      else console.log(`Created tenant ${t.name} (${t.id}). Next: dvara keys create --tenant ${t.name}`);
    });

  addStoreOptions(tenants.command('list'))
    .description('List tenants with their number of active keys')
    .action(async (opts: GlobalOptions) => {
      const list = await withStore(opts, (store) => store.listTenants());
      if (opts.json) printJson(list.map((t) => ({ id: t.id, name: t.name, keys: t.keys, created_at: isoTime(t.created_at) })));
      else printTable(['NAME', 'ID', 'KEYS', 'CREATED'], list.map((t) => [t.name, t.id, String(t.keys), shortTime(t.created_at)]), 'No tenants yet. Create one: dvara tenants add NAME');
    });

  addStoreOptions(tenants.command('remove').argument('<name>', 'tenant name'))
    .description('Remove a tenant and delete its keys')
    .action(async (name: string, opts: GlobalOptions) => {
      const keys = await withStore(opts, async (store) => {
        const n = await store.removeTenant(name);
        if (n !== null) await recordAdminEvent(store, opts, 'tenant.remove', name, { tenant: name, keys_deleted: n });
        return n;
      });
      if (keys === null) throw new CliError(`no tenant named "${name}" (see: dvara tenants list)`);
      if (opts.json) printJson({ name, removed: true, keys_deleted: keys });
      else console.log(`Removed tenant ${name} and ${keys} key${keys === 1 ? '' : 's'}.`);
    });
}
