// The CLI as users run it: spawned from source, in a temp working directory, with NO_COLOR.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { sseData } from '../helpers/gateway.ts';
import { EXAMPLE, LiveProcess, freePort, lines, parseJsonOutput, runCli, waitForHttp, type RunOptions } from './run.ts';

setDefaultTimeout(30_000);

let dir: string;
const live: LiveProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvara-cli-'));
});

afterAll(() => {
  for (const p of live) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** `dvara ARGS` with the temp dir as working directory (so a default ./dvara.db lands there). */
const cli = (args: string[], opts: RunOptions = {}) => runCli(args, { cwd: dir, ...opts });

function writeFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

let storeCounter = 0;
/** A fresh store URL in the temp dir. */
const freshStore = () => `sqlite:${join(dir, `store-${++storeCounter}.db`)}`;

interface KeyJson {
  id: string;
  key?: string;
  tenant: string;
  name: string | null;
  prefix: string;
  status: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

describe('help and version', () => {
  const cases: Array<{ args: string[]; mentions: string[] }> = [
    { args: [], mentions: ['serve', 'validate', 'tenants', 'keys', 'models', '--version'] },
    { args: ['serve'], mentions: ['--config', '--store', '--port', '--host'] },
    { args: ['validate'], mentions: ['--config', '--json'] },
    { args: ['tenants'], mentions: ['add', 'list', 'remove'] },
    { args: ['tenants', 'add'], mentions: ['<name>', '--config', '--store', '--json'] },
    { args: ['tenants', 'list'], mentions: ['--config', '--store', '--json'] },
    { args: ['tenants', 'remove'], mentions: ['<name>', '--config', '--store', '--json'] },
    { args: ['keys'], mentions: ['create', 'list', 'revoke', 'rotate'] },
    { args: ['keys', 'create'], mentions: ['--tenant', '--name', '--expires', '--models', '--rpm', '--tpm', '--budget', '--store', '--config', '--json'] },
    { args: ['keys', 'list'], mentions: ['--tenant', '--store', '--config', '--json'] },
    { args: ['keys', 'revoke'], mentions: ['<id>', '--store', '--json'] },
    { args: ['keys', 'rotate'], mentions: ['<id>', '--grace', '--store', '--json'] },
    { args: ['models'], mentions: ['--config', '--json'] },
  ];
  for (const c of cases) {
    test(`dvara ${[...c.args, '--help'].join(' ')}`, async () => {
      const r = await cli([...c.args, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: dvara');
      for (const m of c.mentions) expect(r.stdout, m).toContain(m);
      expect(r.stdout).not.toMatch(/\x1b\[/); // NO_COLOR
    });
  }

  test('--version and -v print package.json\'s version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  test('an unknown command → exit 1', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('frobnicate');
    expect(r.stdout).toBe('');
  });
});

describe('validate', () => {
  test('dvara.example.yaml → "ok", exit 0', async () => {
    const r = await cli(['validate', '-c', EXAMPLE]);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  test('$DVARA_CONFIG names the config when -c is absent', async () => {
    const r = await cli(['validate'], { env: { DVARA_CONFIG: EXAMPLE } });
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  test('a broken config → exit 1, every error as "path: message" on stderr', async () => {
    const path = writeFile(
      'broken.yaml',
      'server: { port: 99999 }\nproviders:\n  demo: { type: mock, typo: 1 }\nroutes:\n  - match: x\n    targets: [{ provider: ghost }]\n',
    );
    const r = await cli(['validate', '-c', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errs = lines(r.stderr);
    for (const p of ['server.port', 'providers.demo.typo', 'routes.0.targets.0.provider']) {
      expect(errs.some((l) => l.startsWith(`${p}: `)), `${p} in ${r.stderr}`).toBe(true);
    }
    expect(errs.find((l) => l.startsWith('providers.demo.typo: '))).toBe('providers.demo.typo: unknown key');
  });

  test('an unset variable is reported with its path and name', async () => {
    const path = writeFile('unset.yaml', 'providers:\n  openai: { type: openai, api_key: ${DVARA_TEST_SURELY_UNSET_1} }\n');
    const r = await cli(['validate', '-c', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^providers\.openai\.api_key: .*DVARA_TEST_SURELY_UNSET_1/m);
  });

  test('--json: one JSON document on stdout, ok or the errors', async () => {
    const good = await cli(['validate', '-c', EXAMPLE, '--json']);
    expect(good.code).toBe(0);
    expect(parseJsonOutput(good.stdout)).toEqual({ ok: true, errors: [] });

    const path = writeFile('broken2.yaml', 'providers:\n  demo: { type: mock, typo: 1 }\n');
    const bad = await cli(['validate', '-c', path, '--json']);
    expect(bad.code).toBe(1);
    expect(parseJsonOutput(bad.stdout)).toEqual({ ok: false, errors: [{ path: 'providers.demo.typo', message: 'unknown key' }] });
  });

  test('a missing config file → exit 1', async () => {
    const r = await cli(['validate', '-c', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not found');
  });

  test('a YAML syntax error → exit 1', async () => {
    const path = writeFile('syntax.yaml', 'providers:\n  demo: { type: mock\n');
    const r = await cli(['validate', '-c', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.length).toBeGreaterThan(0);
  });
});

describe('tenants', () => {
  test('add / list / remove, text output', async () => {
    const store = freshStore();
    const empty = await cli(['tenants', 'list', '--store', store]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No tenants');

    const add = await cli(['tenants', 'add', 'acme', '--store', store]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('acme');

    const list = await cli(['tenants', 'list', '--store', store]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/NAME\s+ID\s+KEYS/);
    expect(list.stdout).toMatch(/acme\s+ten_[0-9A-Za-z]+\s+0/);

    const rm = await cli(['tenants', 'remove', 'acme', '--store', store]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain('acme');
    expect((await cli(['tenants', 'list', '--store', store])).stdout).not.toContain('acme');
  });

  test('add / list / remove with --json: one JSON document, nothing else on stdout', async () => {
    const store = freshStore();
    expect(parseJsonOutput((await cli(['tenants', 'list', '--store', store, '--json'])).stdout)).toEqual([]);

    const add = await cli(['tenants', 'add', 'acme', '--store', store, '--json']);
    expect(add.code).toBe(0);
    const t = parseJsonOutput<{ id: string; name: string; created_at: string }>(add.stdout);
    expect(t).toEqual({ id: expect.stringMatching(/^ten_/), name: 'acme', created_at: expect.any(String) });
    expect(Math.abs(Date.parse(t.created_at) - Date.now())).toBeLessThan(60_000);

    await cli(['keys', 'create', '--tenant', 'acme', '--store', store]);
    const list = await cli(['tenants', 'list', '--store', store, '--json']);
    expect(list.code).toBe(0);
    expect(parseJsonOutput(list.stdout)).toEqual([{ id: t.id, name: 'acme', keys: 1, created_at: t.created_at }]);

    const rm = await cli(['tenants', 'remove', 'acme', '--store', store, '--json']);
    expect(rm.code).toBe(0);
    expect(parseJsonOutput(rm.stdout)).toEqual({ name: 'acme', removed: true, keys_deleted: 1 });
    expect(parseJsonOutput((await cli(['keys', 'list', '--store', store, '--json'])).stdout)).toEqual([]);
  });

  test('a duplicate tenant → exit 1 with a one-line message on stderr', async () => {
    const store = freshStore();
    expect((await cli(['tenants', 'add', 'acme', '--store', store])).code).toBe(0);
    const r = await cli(['tenants', 'add', 'acme', '--store', store]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('acme');
    expect(r.stderr).toContain('already exists');
  });

  test('a duplicate tenant with --json → exit 1, nothing on stdout', async () => {
    const store = freshStore();
    await cli(['tenants', 'add', 'acme', '--store', store]);
    const r = await cli(['tenants', 'add', 'acme', '--store', store, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  test('removing an unknown tenant → exit 1', async () => {
    const r = await cli(['tenants', 'remove', 'ghost', '--store', freshStore()]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('ghost');
  });

  test('an invalid tenant name → exit 1', async () => {
    const r = await cli(['tenants', 'add', 'bad name!', '--store', freshStore()]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
  });

  test('$DVARA_STORE names the store when --store is absent; --store wins over it', async () => {
    const envStore = freshStore();
    const flagStore = freshStore();
    expect((await cli(['tenants', 'add', 'from-env'], { env: { DVARA_STORE: envStore } })).code).toBe(0);
    expect((await cli(['tenants', 'add', 'from-flag', '--store', flagStore], { env: { DVARA_STORE: envStore } })).code).toBe(0);
    const inEnv = parseJsonOutput<Array<{ name: string }>>((await cli(['tenants', 'list', '--json', '--store', envStore])).stdout);
    const inFlag = parseJsonOutput<Array<{ name: string }>>((await cli(['tenants', 'list', '--json', '--store', flagStore])).stdout);
    expect(inEnv.map((t) => t.name)).toEqual(['from-env']);
    expect(inFlag.map((t) => t.name)).toEqual(['from-flag']);
  });

  test('with no config and no --store the store is ./dvara.db in the working directory', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const r = await runCli(['tenants', 'add', 'local'], { cwd });
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, 'dvara.db'))).toBe(true);
  });

  test('an explicit config file that does not exist → exit 1', async () => {
    const r = await cli(['tenants', 'list', '-c', join(dir, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not found');
  });
});

describe('keys', () => {
  let store: string;
  beforeAll(async () => {
    store = freshStore();
    expect((await cli(['tenants', 'add', 'acme', '--store', store])).code).toBe(0);
    expect((await cli(['tenants', 'add', 'other', '--store', store])).code).toBe(0);
  });

  const create = async (extra: string[] = []) => {
    const r = await cli(['keys', 'create', '--tenant', 'acme', '--store', store, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return parseJsonOutput<KeyJson>(r.stdout);
  };
  const list = async (extra: string[] = []) => {
    const r = await cli(['keys', 'list', '--store', store, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return { keys: parseJsonOutput<KeyJson[]>(r.stdout), stdout: r.stdout };
  };

  test('create --json → {id, key: mk-..., tenant, name, expires_at, ...}', async () => {
    const k = await create(['--name', 'ci']);
    expect(k).toMatchObject({ tenant: 'acme', name: 'ci', expires_at: null, status: 'active', models: null, rpm: null, tpm: null, budget_usd: null, revoked_at: null });
    expect(k.id).toMatch(/^key_[0-9A-Za-z]+$/);
    expect(k.key).toMatch(/^mk-[0-9A-Za-z]{32,}$/);
    expect(k.key!.startsWith(k.prefix)).toBe(true);
    expect(Math.abs(Date.parse(k.created_at) - Date.now())).toBeLessThan(60_000);
  });

  test('create (text) prints the secret once', async () => {
    const r = await cli(['keys', 'create', '--tenant', 'acme', '--store', store]);
    expect(r.code).toBe(0);
    const secrets = r.stdout.match(/mk-[0-9A-Za-z]{32,}/g) ?? [];
    expect(secrets).toHaveLength(1);
  });

  test('--expires 30d sets expires_at about 30 days ahead', async () => {
    const k = await create(['--expires', '30d']);
    const expected = Date.now() + 30 * 86_400_000;
    expect(Math.abs(Date.parse(k.expires_at!) - expected)).toBeLessThan(60_000);
  });

  test('--models a,b and the limits', async () => {
    const k = await create(['--models', 'a,b', '--rpm', '60', '--tpm', '1000', '--budget', '2.5']);
    expect(k).toMatchObject({ models: ['a', 'b'], rpm: 60, tpm: 1000, budget_usd: 2.5 });
    const spaced = await create(['--models', ' gpt-4o* , demo/*,, ']);
    expect(spaced.models).toEqual(['gpt-4o*', 'demo/*']);
  });

  test('keys list --json never contains a secret', async () => {
    const k = await create();
    const { keys, stdout } = await list();
    expect(keys.some((x) => x.id === k.id)).toBe(true);
    expect(stdout).not.toContain(k.key!);
    expect(stdout).not.toContain(k.key!.slice(k.prefix.length));
    for (const x of keys) {
      expect(x).not.toHaveProperty('key');
      expect(x).not.toHaveProperty('hash');
    }
    const text = await cli(['keys', 'list', '--store', store]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(k.id);
    expect(text.stdout).not.toContain(k.key!.slice(k.prefix.length));
  });

  test('keys list --tenant filters; an unknown tenant → exit 1', async () => {
    const r = await cli(['keys', 'create', '--tenant', 'other', '--store', store, '--json']);
    const otherKey = parseJsonOutput<KeyJson>(r.stdout);
    const { keys } = await list(['--tenant', 'other']);
    expect(keys.map((k) => k.id)).toEqual([otherKey.id]);
    const bad = await cli(['keys', 'list', '--tenant', 'ghost', '--store', store, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
  });

  test('revoke marks the key revoked; an unknown id → exit 1', async () => {
    const k = await create();
    const r = await cli(['keys', 'revoke', k.id, '--store', store]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(k.id);
    const after = (await list()).keys.find((x) => x.id === k.id);
    expect(after?.status).toBe('revoked');
    expect(after?.revoked_at).not.toBeNull();

    const json = await cli(['keys', 'revoke', k.id, '--store', store, '--json']);
    expect(json.code).toBe(0);
    expect(parseJsonOutput(json.stdout)).toMatchObject({ id: k.id, revoked: true });

    const unknown = await cli(['keys', 'revoke', 'key_doesnotexist', '--store', store]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(lines(unknown.stderr)).toHaveLength(1);
    expect(unknown.stderr).toContain('key_doesnotexist');
  });

  test('rotate prints a new secret and revokes the old key', async () => {
    const k = await create(['--name', 'to-rotate', '--models', 'x', '--rpm', '7']);
    const r = await cli(['keys', 'rotate', k.id, '--store', store]);
    expect(r.code).toBe(0);
    const secrets = r.stdout.match(/mk-[0-9A-Za-z]{32,}/g) ?? [];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).not.toBe(k.key);
    const { keys } = await list();
    expect(keys.find((x) => x.id === k.id)?.status).toBe('revoked');
    const fresh = keys.find((x) => secrets[0]!.startsWith(x.prefix) && x.id !== k.id && x.name === 'to-rotate');
    expect(fresh).toMatchObject({ status: 'active', models: ['x'], rpm: 7, tenant: 'acme' });
  });

  test('rotate --grace 24h keeps the old key active until then; --json carries the new key', async () => {
    const k = await create();
    const r = await cli(['keys', 'rotate', k.id, '--grace', '24h', '--store', store, '--json']);
    expect(r.code).toBe(0);
    const rotated = parseJsonOutput<KeyJson>(r.stdout);
    expect(rotated.key).toMatch(/^mk-[0-9A-Za-z]{32,}$/);
    expect(rotated.key).not.toBe(k.key);
    expect(rotated.id).not.toBe(k.id);
    const old = (await list()).keys.find((x) => x.id === k.id);
    expect(old?.status).toBe('active');
    expect(Math.abs(Date.parse(old!.expires_at!) - (Date.now() + 86_400_000))).toBeLessThan(60_000);
  });

  test('rotate a revoked or unknown key → exit 1', async () => {
    const k = await create();
    await cli(['keys', 'revoke', k.id, '--store', store]);
    const revoked = await cli(['keys', 'rotate', k.id, '--store', store]);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).not.toMatch(/mk-/);
    const unknown = await cli(['keys', 'rotate', 'key_nope', '--store', store]);
    expect(unknown.code).toBe(1);
  });

  test.each([
    [['--rpm', 'abc'], '--rpm'],
    [['--rpm', '0'], '--rpm'],
    [['--tpm', '1.5'], '--tpm'],
    [['--budget', '-1'], '--budget'],
    [['--expires', '5parsecs'], '--expires'],
    [['--bogus'], '--bogus'],
  ])('bad flag %p → exit 1 naming it, no key created', async (flags, name) => {
    const before = (await list()).keys.length;
    const r = await cli(['keys', 'create', '--tenant', 'acme', '--store', store, ...flags]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)[0]).toContain(name);
    expect((await list()).keys.length).toBe(before);
  });

  test('create without --tenant → exit 1', async () => {
    const r = await cli(['keys', 'create', '--store', store]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--tenant');
  });

  test('create for an unknown tenant → exit 1 with a one-line message', async () => {
    const r = await cli(['keys', 'create', '--tenant', 'ghost', '--store', store, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('ghost');
  });
});

describe('models', () => {
  test('--json on dvara.example.yaml lists gpt-4o with provider demo', async () => {
    const r = await cli(['models', '--json', '-c', EXAMPLE]);
    expect(r.code).toBe(0);
    const models = parseJsonOutput<Array<{ id: string; provider: string; type: string }>>(r.stdout);
    expect(models).toContainEqual({ id: 'gpt-4o', provider: 'demo', type: 'mock' });
    expect(models).toContainEqual({ id: 'echo', provider: 'demo', type: 'mock' });
    expect(models).toContainEqual({ id: 'smart', provider: 'demo', type: 'mock' });
  });

  test('text output is a table', async () => {
    const r = await cli(['models', '-c', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/MODEL\s+PROVIDER\s+TYPE/);
    expect(r.stdout).toMatch(/gpt-4o\s+demo\s+mock/);
  });

  test('an invalid config → exit 1 listing the errors', async () => {
    const path = writeFile('models-broken.yaml', 'providers:\n  demo: { type: mock, typo: 1 }\n');
    const r = await cli(['models', '--json', '-c', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('providers.demo.typo: unknown key');
  });
});

describe('admin commands read only `store:` from the config', () => {
  let config: string;
  beforeAll(() => {
    config = writeFile(
      'needs-secrets.yaml',
      `store: sqlite:${join(dir, 'secretless.db')}\nproviders:\n  openai: { type: openai, api_key: \${DVARA_TEST_UNSET_VAR_X} }\n`,
    );
  });

  test('tenants and keys work although a provider references an unset variable', async () => {
    const add = await cli(['tenants', 'add', 'acme', '-c', config]);
    expect(add.code, add.stderr).toBe(0);
    const key = await cli(['keys', 'create', '--tenant', 'acme', '-c', config, '--json']);
    expect(key.code, key.stderr).toBe(0);
    expect(parseJsonOutput<KeyJson>(key.stdout).key).toMatch(/^mk-/);
    const list = await cli(['keys', 'list', '-c', config, '--json']);
    expect(list.code).toBe(0);
    expect(parseJsonOutput<KeyJson[]>(list.stdout)).toHaveLength(1);
    expect(existsSync(join(dir, 'secretless.db'))).toBe(true);
  });

  test('while validate still reports the unset variable', async () => {
    const r = await cli(['validate', '-c', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('providers.openai.api_key');
    expect(r.stderr).toContain('DVARA_TEST_UNSET_VAR_X');
  });

  test('store: ${VAR:-default} is interpolated', async () => {
    const path = writeFile('store-default.yaml', `store: \${DVARA_TEST_UNSET_STORE:-sqlite:${join(dir, 'defaulted.db')}}\nproviders: { demo: { type: mock } }\n`);
    expect((await cli(['tenants', 'add', 'x', '-c', path])).code).toBe(0);
    expect(existsSync(join(dir, 'defaulted.db'))).toBe(true);
  });

  test('store: ${UNSET} → exit 1 naming the variable', async () => {
    const path = writeFile('store-unset.yaml', 'store: ${DVARA_TEST_UNSET_STORE_2}\nproviders: { demo: { type: mock } }\n');
    const r = await cli(['tenants', 'list', '-c', path]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('DVARA_TEST_UNSET_STORE_2');
  });

  test('a store with a newer schema → exit 1 mentioning "newer"', async () => {
    const file = join(dir, 'future.db');
    const raw = new Database(file, { create: true });
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    raw.query('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(999, 'future', Date.now());
    raw.close();
    const r = await cli(['tenants', 'list', '--store', `sqlite:${file}`]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('newer');
  });

  test.each([
    ['a directory', () => mkdtempSync(join(dir, 'a-dir-'))],
    ['a file that is not a database', () => writeFile('not-a-db.db', 'this is not sqlite\n'.repeat(100))],
    ['a path under a non-directory', () => join(writeFile('plain-file', 'x'), 'sub', 'x.db')],
  ])('an unusable store path (%s) is the user\'s error: exit 1, one line naming the store', async (_what, makePath) => {
    const path = makePath();
    const r = await cli(['tenants', 'list', '--store', `sqlite:${path}`]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toContain('internal error');
  });

  test('an unsupported store URL → exit 1', async () => {
    const r = await cli(['tenants', 'list', '--store', 'postgres://u:p@127.0.0.1:1/db']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
  });
});

describe('serve', () => {
  let config: string;
  let storeFile: string;
  let firstKey = '';

  beforeAll(() => {
    storeFile = join(dir, 'serve.db');
    config = writeFile('serve.yaml', `server: { host: 127.0.0.1, port: 0 }\nstore: sqlite:${storeFile}\nproviders:\n  demo: { type: mock }\n`);
  });

  const start = (extra: string[] = []) => {
    const p = new LiveProcess([process.execPath, join(import.meta.dir, '../../src/cli/main.ts'), 'serve', '-c', config, ...extra], { cwd: dir });
    live.push(p);
    return p;
  };

  test('first start on an empty store prints a banner, a tenant and a key that works', async () => {
    const server = start();
    try {
      const [, url] = await server.waitForStdout(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await server.waitForStdout(/mk-[0-9A-Za-z]{32,}/);
      expect(server.stdout).toContain('tenant');
      expect(server.stdout).toContain('demo');
      expect(server.stdout).toContain(`sqlite:${storeFile}`);
      firstKey = server.stdout.match(/mk-[0-9A-Za-z]{32,}/)![0];

      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'Hello from the CLI test' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]?.message.content).toContain('Hello from the CLI test');

      const stream = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(stream.status).toBe(200);
      const events = sseData(await stream.text());
      expect(events.at(-1)).toBe('[DONE]');

      const noKey = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(noKey.status).toBe(401);

      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      server.kill();
    }
  });

  test('a second start on the same store prints no new key; the first key still works; --port overrides', async () => {
    expect(firstKey).toMatch(/^mk-/);
    const port = await freePort();
    const server = start(['--port', String(port)]);
    try {
      await server.waitForStdout(new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
      const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'again' }] }),
      });
      expect(res.status).toBe(200);
      await Bun.sleep(200);
      expect(server.stdout).not.toMatch(/mk-/);
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      server.kill();
    }
    const tenants = parseJsonOutput<Array<{ name: string; keys: number }>>((await cli(['tenants', 'list', '--json', '-c', config])).stdout);
    expect(tenants).toEqual([expect.objectContaining({ name: 'default', keys: 1 })]);
  });

  test('a key created by the CLI while the server runs works at once', async () => {
    const server = start();
    try {
      const [, url] = await server.waitForStdout(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const created = await cli(['keys', 'create', '--tenant', 'default', '-c', config, '--json']);
      expect(created.code).toBe(0);
      const { key, id } = parseJsonOutput<KeyJson>(created.stdout);
      const ask = () =>
        fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'new key' }] }),
        });
      expect((await ask()).status).toBe(200);
      // ...and a revocation reaches the running server (contract: within a second).
      expect((await cli(['keys', 'revoke', id, '-c', config])).code).toBe(0);
      let status = 0;
      const end = Date.now() + 3000;
      while (Date.now() < end && (status = (await ask()).status) !== 401) await Bun.sleep(100);
      expect(status).toBe(401);
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      server.kill();
    }
  });

  test('an invalid config → exit 1 listing the errors, nothing started', async () => {
    const broken = writeFile('serve-broken.yaml', `server: { port: 0, prot: 1 }\nstore: sqlite:${join(dir, 'never.db')}\nproviders: { demo: { type: mock } }\n`);
    const r = await cli(['serve', '-c', broken], { timeoutMs: 15_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('server.prot: unknown key');
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });

  test('a port already in use → exit 1 with a one-line message', async () => {
    const blocker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') });
    try {
      const r = await cli(['serve', '-c', config, '--port', String(blocker.port)], { timeoutMs: 15_000 });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(String(blocker.port));
    } finally {
      blocker.stop(true);
    }
  });

  test('--port abc is rejected as a bad flag', async () => {
    const r = await cli(['serve', '-c', config, '--port', 'abc'], { timeoutMs: 15_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--port');
  });
});
