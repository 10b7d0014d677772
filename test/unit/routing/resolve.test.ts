import { describe, expect, test } from 'bun:test';
import type { Config, RouteConfig } from '../../../src/config/schema.ts';
import type { ProviderAdapter } from '../../../src/providers/types.ts';
import { Router, type Plan } from '../../../src/routing/resolve.ts';
import { DvaraError } from '../../../src/server/errors.ts';

interface FakeProvider {
  type: string;
  /** What the adapter lists (GET /v1/models). */
  models?: string[];
  /** The config's `models:` (extra names it serves by bare name). */
  configModels?: string[];
}

function fakeAdapter(name: string, type: string, models: readonly string[]): ProviderAdapter {
  return {
    name,
    type,
    models,
    chat: () => Promise.reject(new Error('fake adapter: not called in routing tests')),
  };
}

/**
 * A Router over fake adapters. The Router only reads `routes` and each provider's `models` from config, and
 * the adapters' name/type/models; provider types outside the schema (anthropic, gemini) are fine here.
 */
function router(providers: Record<string, FakeProvider>, routes: Array<Partial<RouteConfig> & Pick<RouteConfig, 'match' | 'targets'>> = []) {
  const adapters = new Map<string, ProviderAdapter>();
  const configProviders: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(providers)) {
    adapters.set(name, fakeAdapter(name, p.type, p.models ?? p.configModels ?? []));
    configProviders[name] = { type: p.type, ...(p.configModels ? { models: p.configModels } : {}) };
  }
  const config = {
    server: { host: '127.0.0.1', port: 0, max_body_size: 1024 },
    store: 'sqlite::memory:',
    providers: configProviders,
    routes: routes.map((r) => ({ strategy: 'failover', ...r, targets: r.targets.map((t) => ({ ...t, weight: t.weight ?? 1 })) })),
  } as unknown as Config;
  return { router: new Router(config, adapters), adapters };
}

const t = (provider: string, model?: string, weight?: number) =>
  ({ provider, ...(model !== undefined ? { model } : {}), ...(weight !== undefined ? { weight } : {}) }) as RouteConfig['targets'][number];

/** [provider name, model] pairs of a resolution, in order. */
const pairs = (plan: Plan) => plan.targets.map((x) => [x.adapter.name, x.model]);
const first = (plan: Plan) => {
  const x = plan.targets[0];
  if (!x) throw new Error('no targets');
  return [x.adapter.name, x.model];
};

function noProvider(fn: () => unknown): DvaraError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DvaraError) return e;
    throw e;
  }
  throw new Error('expected a DvaraError');
}

describe('contract order', () => {
  test('provider/model prefix beats routes', () => {
    const { router: r } = router({ demo: { type: 'mock' }, other: { type: 'mock' } }, [{ match: 'demo/echo', targets: [t('other', 'x')] }]);
    expect(pairs(r.resolve('demo/echo'))).toEqual([['demo', 'echo']]);
  });

  test('prefix beats a glob route too', () => {
    const { router: r } = router({ demo: { type: 'mock' }, other: { type: 'mock' } }, [{ match: '*', targets: [t('other')] }]);
    expect(first(r.resolve('demo/gpt-4o'))).toEqual(['demo', 'gpt-4o']);
    expect(first(r.resolve('gpt-4o'))).toEqual(['other', 'gpt-4o']);
  });

  test('an exact route beats a glob route, even when the glob comes first in the file', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'gpt-*', targets: [t('a')] },
      { match: 'gpt-4o', targets: [t('b')] },
    ]);
    expect(first(r.resolve('gpt-4o'))).toEqual(['b', 'gpt-4o']);
    expect(first(r.resolve('gpt-4o-mini'))).toEqual(['a', 'gpt-4o-mini']);
  });

  test('globs are tried in file order', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'gpt-4*', targets: [t('a')] },
      { match: 'gpt-*', targets: [t('b')] },
    ]);
    expect(first(r.resolve('gpt-4o'))).toEqual(['a', 'gpt-4o']);
    expect(first(r.resolve('gpt-3.5-turbo'))).toEqual(['b', 'gpt-3.5-turbo']);
  });

  test('glob "?" matches one character and "." is literal', () => {
    const { router: r } = router({ a: { type: 'mock' } }, [{ match: 'o?-mini', targets: [t('a')] }, { match: 'v1.5', targets: [t('a')] }]);
    expect(first(r.resolve('o3-mini'))).toEqual(['a', 'o3-mini']);
    expect(() => r.resolve('o33-mini')).toThrow(DvaraError);
    expect(() => r.resolve('v105')).toThrow(DvaraError);
  });

  test('routes beat a provider\'s own models list', () => {
    const { router: r } = router({ a: { type: 'mock', configModels: ['fast'] }, b: { type: 'mock' } }, [{ match: 'fast', targets: [t('b', 'slow')] }]);
    expect(first(r.resolve('fast'))).toEqual(['b', 'slow']);
  });

  test('a provider\'s models list beats the family table', () => {
    const { router: r } = router({ openai: { type: 'openai' }, demo: { type: 'mock', configModels: ['gpt-4o'] } });
    expect(first(r.resolve('gpt-4o'))).toEqual(['demo', 'gpt-4o']);
    expect(first(r.resolve('gpt-4.1'))).toEqual(['openai', 'gpt-4.1']);
  });

  test('two providers listing the same model: the first in the file wins', () => {
    const { router: r } = router({ one: { type: 'mock', configModels: ['m'] }, two: { type: 'mock', configModels: ['m'] } });
    expect(first(r.resolve('m'))).toEqual(['one', 'm']);
  });

  test('the family table maps bare names to configured provider types', () => {
    const { router: r } = router({
      myopenai: { type: 'openai' },
      claude: { type: 'anthropic' },
      g: { type: 'gemini' },
      ds: { type: 'deepseek' },
      q: { type: 'qwen' },
      moon: { type: 'moonshot' },
      z: { type: 'zhipu' },
      e: { type: 'qianfan' },
    });
    const cases: Array<[string, string]> = [
      ['gpt-4o', 'myopenai'],
      ['o1-preview', 'myopenai'],
      ['o3-mini', 'myopenai'],
      ['o4-mini', 'myopenai'],
      ['text-embedding-3-small', 'myopenai'],
      ['chatgpt-4o-latest', 'myopenai'],
      ['claude-sonnet-4-20250514', 'claude'],
      ['gemini-2.0-flash', 'g'],
      ['text-embedding-004', 'g'],
      ['deepseek-chat', 'ds'],
      ['qwen-plus', 'q'],
      ['moonshot-v1-8k', 'moon'],
      ['kimi-k2', 'moon'],
      ['glm-4', 'z'],
      ['ernie-4.0', 'e'],
    ];
    for (const [model, provider] of cases) expect(first(r.resolve(model)), model).toEqual([provider, model]);
  });

  test('the family table only for configured provider types: claude-x without an anthropic provider → NO_PROVIDER', () => {
    const { router: r } = router({ openai: { type: 'openai' }, demo: { type: 'mock' } });
    const e = noProvider(() => r.resolve('claude-x'));
    expect(e.code).toBe('NO_PROVIDER');
    expect(e.status).toBe(400);
    expect(e.param).toBe('model');
    expect(e.message).toContain('No provider supports model: claude-x');
    expect(r.firstTarget('claude-x')).toBeNull();
  });

  test('a name nothing serves → NO_PROVIDER naming it, every time (memoised misses too)', () => {
    const { router: r } = router({ demo: { type: 'mock' } });
    for (let i = 0; i < 3; i++) expect(noProvider(() => r.resolve('totally-unknown')).message).toContain('totally-unknown');
  });

  test('a provider named like the type is preferred over others of that type', () => {
    const { router: r } = router({ 'openai-backup': { type: 'openai' }, openai: { type: 'openai' }, 'other-backup': { type: 'openai' } });
    expect(first(r.resolve('gpt-4o'))).toEqual(['openai', 'gpt-4o']);
  });

  test('without a provider named like the type, the first of that type in the file serves the family', () => {
    const { router: r } = router({ zeta: { type: 'openai' }, alpha: { type: 'openai' } });
    expect(first(r.resolve('gpt-4o'))).toEqual(['zeta', 'gpt-4o']);
  });

  test('a provider NAMED like a family but of another type does not serve it', () => {
    const { router: r } = router({ anthropic: { type: 'mock' } });
    expect(noProvider(() => r.resolve('claude-3-haiku')).code).toBe('NO_PROVIDER');
  });
});

describe('provider/model prefixes', () => {
  test('an unconfigured provider name falls through to the other rules', () => {
    const { router: r } = router({ demo: { type: 'mock', configModels: ['meta-llama/llama-3'] }, other: { type: 'mock' } }, [
      { match: 'foo/*', targets: [t('other')] },
    ]);
    expect(first(r.resolve('foo/bar'))).toEqual(['other', 'foo/bar']);
    expect(first(r.resolve('meta-llama/llama-3'))).toEqual(['demo', 'meta-llama/llama-3']);
    expect(noProvider(() => r.resolve('nope/bar')).message).toContain('nope/bar');
  });

  test('an unconfigured prefix with a family name after it is not routed by the family', () => {
    const { router: r } = router({ openai: { type: 'openai' } });
    // "foo/gpt-4o" is no gpt-* name; it must not silently go to openai as "foo/gpt-4o".
    expect(noProvider(() => r.resolve('foo/gpt-4o')).code).toBe('NO_PROVIDER');
  });

  test('model ids with ":" and "/" in the rest are kept whole', () => {
    const { router: r } = router({ bedrock: { type: 'bedrock' }, p: { type: 'mock' } });
    expect(pairs(r.resolve('p/anthropic.claude-3:0'))).toEqual([['p', 'anthropic.claude-3:0']]);
    expect(pairs(r.resolve('bedrock/anthropic.claude-3-sonnet-20240229-v1:0'))).toEqual([['bedrock', 'anthropic.claude-3-sonnet-20240229-v1:0']]);
    expect(pairs(r.resolve('p/meta-llama/Llama-3.1-8B'))).toEqual([['p', 'meta-llama/Llama-3.1-8B']]);
  });

  test('a prefix with nothing after it is no prefix', () => {
    const { router: r } = router({ demo: { type: 'mock' } });
    expect(noProvider(() => r.resolve('demo/')).code).toBe('NO_PROVIDER');
  });

  test('a leading "/" is no prefix', () => {
    const { router: r } = router({ demo: { type: 'mock' } });
    expect(noProvider(() => r.resolve('/echo')).code).toBe('NO_PROVIDER');
  });
});

describe('route targets and strategies', () => {
  test('a target without model uses the requested name', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'gpt-4o', targets: [t('a'), t('b', 'gpt-4o-prod')] },
      { match: 'llama-*', targets: [t('b')] },
    ]);
    expect(pairs(r.resolve('gpt-4o'))).toEqual([
      ['a', 'gpt-4o'],
      ['b', 'gpt-4o-prod'],
    ]);
    expect(pairs(r.resolve('llama-3-70b'))).toEqual([['b', 'llama-3-70b']]);
  });

  test('failover keeps file order on every request', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' }, c: { type: 'mock' } }, [
      { match: 'm', strategy: 'failover', targets: [t('a'), t('b'), t('c')] },
    ]);
    for (let i = 0; i < 5; i++) expect(pairs(r.resolve('m')).map((p) => p[0])).toEqual(['a', 'b', 'c']);
  });

  test('round-robin rotates the first target and keeps the rest as fallbacks', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' }, c: { type: 'mock' } }, [
      { match: 'm', strategy: 'round-robin', targets: [t('a'), t('b'), t('c')] },
    ]);
    const orders = Array.from({ length: 4 }, () => pairs(r.resolve('m')).map((p) => p[0]));
    expect(orders).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });

  test('round-robin state is per route', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'x', strategy: 'round-robin', targets: [t('a'), t('b')] },
      { match: 'y', strategy: 'round-robin', targets: [t('a'), t('b')] },
    ]);
    expect(first(r.resolve('x'))[0]).toBe('a');
    expect(first(r.resolve('x'))[0]).toBe('b');
    expect(first(r.resolve('y'))[0]).toBe('a');
  });

  test('weighted 3:1 picks the heavier target about 3/4 of the time, always listing both', () => {
    const { router: r } = router({ heavy: { type: 'mock' }, light: { type: 'mock' } }, [
      { match: 'w', strategy: 'weighted', targets: [t('heavy', undefined, 3), t('light', undefined, 1)] },
    ]);
    let heavy = 0;
    const N = 1000;
    for (let i = 0; i < N; i++) {
      const order = pairs(r.resolve('w')).map((p) => p[0]);
      expect(order.slice().sort()).toEqual(['heavy', 'light']);
      if (order[0] === 'heavy') heavy++;
    }
    // Expected 750, sd ≈ 14: a bound of ±100 is > 7 sd.
    expect(heavy).toBeGreaterThan(650);
    expect(heavy).toBeLessThan(850);
  });

  test('weighted 1:3 favours the second target (the weights are not positional)', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'w', strategy: 'weighted', targets: [t('a', undefined, 1), t('b', undefined, 3)] },
    ]);
    let b = 0;
    for (let i = 0; i < 1000; i++) if (first(r.resolve('w'))[0] === 'b') b++;
    expect(b).toBeGreaterThan(650);
    expect(b).toBeLessThan(850);
  });

  test('weighted with three targets: each picked roughly in proportion', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' }, c: { type: 'mock' } }, [
      { match: 'w', strategy: 'weighted', targets: [t('a', undefined, 1), t('b', undefined, 2), t('c', undefined, 1)] },
    ]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 2000; i++) {
      const name = first(r.resolve('w'))[0] as string;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts.a).toBeGreaterThan(380);
    expect(counts.a).toBeLessThan(620);
    expect(counts.b).toBeGreaterThan(880);
    expect(counts.b).toBeLessThan(1120);
    expect(counts.c).toBeGreaterThan(380);
    expect(counts.c).toBeLessThan(620);
  });

  test('a single target is returned as is for every strategy', () => {
    const { router: r } = router({ a: { type: 'mock' } }, [
      { match: 'rr', strategy: 'round-robin', targets: [t('a', 'x')] },
      { match: 'w', strategy: 'weighted', targets: [t('a', 'y', 5)] },
    ]);
    expect(pairs(r.resolve('rr'))).toEqual([['a', 'x']]);
    expect(pairs(r.resolve('rr'))).toEqual([['a', 'x']]);
    expect(pairs(r.resolve('w'))).toEqual([['a', 'y']]);
  });

  test('the first of two identical exact routes wins', () => {
    const { router: r } = router({ a: { type: 'mock' }, b: { type: 'mock' } }, [
      { match: 'dup', targets: [t('a')] },
      { match: 'dup', targets: [t('b')] },
    ]);
    expect(first(r.resolve('dup'))).toEqual(['a', 'dup']);
  });
});

describe('listModels', () => {
  test('exact route names, then each adapter\'s models: bare when they route back to it, else prefixed', () => {
    const { router: r } = router(
      {
        demo: { type: 'mock', models: ['echo', 'gpt-4o'], configModels: ['echo', 'gpt-4o'] },
        second: { type: 'mock', models: ['gpt-4o', 'own'], configModels: ['gpt-4o'] },
      },
      [
        { match: 'smart', targets: [t('second', 'gpt-4o')] },
        { match: 'glob-*', targets: [t('demo')] },
      ],
    );
    const list = r.listModels();
    const ids = list.map((m) => m.id);
    expect(ids).toEqual(['smart', 'echo', 'gpt-4o', 'second/gpt-4o', 'second/own']);
    expect(list).toContainEqual({ id: 'smart', provider: 'second' });
    expect(list).toContainEqual({ id: 'gpt-4o', provider: 'demo' });
    expect(list).toContainEqual({ id: 'second/gpt-4o', provider: 'second' });
    expect(new Set(ids).size).toBe(ids.length);
    // Every listed id routes, and to the provider listed.
    for (const m of list) expect(r.firstTarget(m.id)?.adapter.name, m.id).toBe(m.provider);
  });

  test('family-routed models of the provider serving the family are listed bare', () => {
    const { router: r } = router({ openai: { type: 'openai', models: ['gpt-4o', 'o3-mini'] }, backup: { type: 'openai', models: ['gpt-4o'] } });
    expect(r.listModels()).toEqual([
      { id: 'gpt-4o', provider: 'openai' },
      { id: 'o3-mini', provider: 'openai' },
      { id: 'backup/gpt-4o', provider: 'backup' },
    ]);
  });

  test('an adapter with no models lists nothing; routes still appear', () => {
    const { router: r } = router({ empty: { type: 'mock' } }, [{ match: 'alias', targets: [t('empty', 'm')] }]);
    expect(r.listModels()).toEqual([{ id: 'alias', provider: 'empty' }]);
  });
});
