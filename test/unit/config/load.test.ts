import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseConfig, type Issue, type LoadResult } from '../../../src/config/load.ts';
import { parseDuration, parseSize } from '../../../src/config/units.ts';

const EXAMPLE = await Bun.file(join(import.meta.dir, '../../../dvara.example.yaml')).text();

/** Replaces exactly one occurrence of `from` in the example (fails loudly if the example changed). */
function breakExample(from: string, to: string): string {
  const i = EXAMPLE.indexOf(from);
  if (i < 0 || EXAMPLE.indexOf(from, i + 1) >= 0) throw new Error(`"${from}" must occur exactly once in dvara.example.yaml`);
  return EXAMPLE.slice(0, i) + to + EXAMPLE.slice(i + from.length);
}

function issuesOf(r: LoadResult): Issue[] {
  if (r.ok) throw new Error(`expected issues, got a valid config: ${JSON.stringify(r.config)}`);
  return r.issues;
}

function configOf(r: LoadResult) {
  if (!r.ok) throw new Error(`expected a valid config, got: ${JSON.stringify(r.issues)}`);
  return r.config;
}

const paths = (r: LoadResult) => issuesOf(r).map((i) => i.path);

describe('dvara.example.yaml', () => {
  test('is valid with an empty environment', () => {
    const config = configOf(parseConfig(EXAMPLE, {}));
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(8080);
    expect(config.server.max_body_size).toBe(10 * 1024 * 1024);
    expect(config.store).toBe('sqlite:./dvara.db');
    expect(config.providers.demo?.type).toBe('mock');
    expect(config.providers.demo?.models).toContain('echo');
    expect(config.routes).toHaveLength(1);
    expect(config.routes[0]?.match).toBe('smart');
    expect(config.routes[0]?.targets[0]).toEqual({ provider: 'demo', model: 'gpt-4o', weight: 1 });
  });

  test('its ${VAR:-default}s take the environment when set', () => {
    const config = configOf(parseConfig(EXAMPLE, { DVARA_HOST: '127.0.0.1', DVARA_PORT: '9999', DVARA_STORE: 'sqlite:/tmp/x.db' }));
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(9999);
    expect(config.store).toBe('sqlite:/tmp/x.db');
  });
});

describe('one broken key of the example → one issue naming exactly that field', () => {
  const cases: Array<{ name: string; from: string; to: string; path: string; message?: RegExp }> = [
    { name: 'renamed top-level key', from: 'server:', to: 'servr:', path: 'servr', message: /unknown key/ },
    { name: 'unknown key inside a provider', from: 'type: mock', to: 'type: mock\n    typo: 1', path: 'providers.demo.typo', message: /unknown key/ },
    { name: 'unknown key inside server', from: 'max_body_size: 10mb', to: 'max_body_size: 10mb\n  prot: 1', path: 'server.prot', message: /unknown key/ },
    { name: 'unknown key inside a route target', from: '{ provider: demo, model: gpt-4o }', to: '{ provider: demo, modle: gpt-4o }', path: 'routes.0.targets.0.modle', message: /unknown key/ },
    { name: 'port out of range', from: '${DVARA_PORT:-8080}', to: '99999', path: 'server.port' },
    { name: 'negative port', from: '${DVARA_PORT:-8080}', to: '-1', path: 'server.port' },
    { name: 'port of the wrong type', from: '${DVARA_PORT:-8080}', to: 'eighty', path: 'server.port' },
    { name: 'fractional port', from: '${DVARA_PORT:-8080}', to: '80.5', path: 'server.port' },
    { name: 'bad duration', from: 'type: mock', to: 'type: mock\n    timeout: 5 parsecs', path: 'providers.demo.timeout' },
    { name: 'bad size', from: 'max_body_size: 10mb', to: 'max_body_size: 10 zettabytes', path: 'server.max_body_size' },
    { name: 'unknown provider type', from: 'type: mock', to: 'type: skynet', path: 'providers.demo.type', message: /unknown provider type.*mock/ },
    { name: 'models of the wrong type', from: 'models: [echo,', to: 'models: 5\n    x_models: [echo,', path: 'providers.demo.models' },
    { name: 'headers of the wrong type', from: 'type: mock', to: 'type: mock\n    headers: [a, b]', path: 'providers.demo.headers' },
    { name: 'bad base_url', from: 'type: mock', to: 'type: mock\n    base_url: not a url', path: 'providers.demo.base_url', message: /URL/ },
    { name: 'route target naming an unknown provider', from: '{ provider: demo, model: gpt-4o }', to: '{ provider: ghost, model: gpt-4o }', path: 'routes.0.targets.0.provider', message: /ghost/ },
    { name: 'unknown route strategy', from: 'strategy: failover ', to: 'strategy: random   ', path: 'routes.0.strategy' },
    { name: 'zero weight', from: '{ provider: demo, model: gpt-4o }', to: '{ provider: demo, model: gpt-4o, weight: 0 }', path: 'routes.0.targets.0.weight' },
    { name: 'route without targets', from: '    targets:\n      - { provider: demo, model: gpt-4o }', to: '    targets: []', path: 'routes.0.targets' },
    { name: 'route without match', from: 'match: smart', to: '', path: 'routes.0.match' },
  ];
  // The `models` case moves the list under an unknown key, so it legitimately reports two paths;
  // every other case reports exactly one.
  for (const c of cases) {
    test(c.name, () => {
      const r = parseConfig(breakExample(c.from, c.to), {});
      const issues = issuesOf(r);
      const hit = issues.find((i) => i.path === c.path);
      expect(hit, `issues: ${JSON.stringify(issues)}`).toBeDefined();
      if (c.message) expect(hit!.message).toMatch(c.message);
      if (c.name !== 'models of the wrong type') expect(issues.map((i) => i.path)).toEqual([c.path]);
    });
  }

  test('missing api_key of a preset that needs one', () => {
    const r = parseConfig(breakExample('\nproviders:', '\nproviders:\n  ds: { type: deepseek }'), {});
    expect(issuesOf(r)).toEqual([{ path: 'providers.ds.api_key', message: expect.stringContaining('deepseek') }]);
  });

  test('a preset that needs no key (ollama) is fine without one', () => {
    configOf(parseConfig(breakExample('\nproviders:', '\nproviders:\n  local: { type: ollama }'), {}));
  });

  test('openai-compatible requires base_url', () => {
    expect(paths(parseConfig(breakExample('\nproviders:', '\nproviders:\n  vllm: { type: openai-compatible }'), {}))).toEqual([
      'providers.vllm.base_url',
    ]);
  });

  test('a provider name with "/" is rejected', () => {
    const r = parseConfig('providers:\n  "a/b": { type: mock }\n', {});
    expect(paths(r)).toEqual(['providers.a/b']);
  });

  test('no providers at all is an error on providers', () => {
    expect(paths(parseConfig('providers: {}\n', {}))).toEqual(['providers']);
    expect(paths(parseConfig('server: { port: 1 }\n', {}))).toEqual(['providers']);
  });

  test('admin token shorter than 16 characters', () => {
    const r = parseConfig(breakExample('\nproviders:', '\nadmin: { token: short }\nproviders:'), {});
    expect(paths(r)).toEqual(['admin.token']);
  });
});

describe('messages say what is wrong', () => {
  test('a value of the wrong type is not reported as "required"', () => {
    // Regression: zod 4 issues carry `input` only with reportInput; without it every wrong type read "required".
    const [issue] = issuesOf(parseConfig(breakExample('${DVARA_PORT:-8080}', 'eighty'), {}));
    expect(issue?.path).toBe('server.port');
    expect(issue?.message).not.toMatch(/^required/);
    expect(issue?.message).toMatch(/number/);
  });

  test('a missing required value is reported as required', () => {
    const [issue] = issuesOf(parseConfig('providers: { demo: { type: mock } }\nroutes:\n  - { match: x }\n', {}));
    expect(issue).toEqual({ path: 'routes.0.targets', message: expect.stringMatching(/required/) });
  });

  test('a bad duration says it is not a duration', () => {
    // Regression: a union (number | string→duration) once swallowed this message as "Invalid input".
    const [issue] = issuesOf(parseConfig(breakExample('type: mock', 'type: mock\n    timeout: 5 parsecs'), {}));
    expect(issue?.path).toBe('providers.demo.timeout');
    expect(issue?.message).toContain('not a duration');
  });

  test('a bad size says it is not a size', () => {
    const [issue] = issuesOf(parseConfig(breakExample('max_body_size: 10mb', 'max_body_size: 10 zettabytes'), {}));
    expect(issue?.path).toBe('server.max_body_size');
    expect(issue?.message).toContain('not a size');
  });
});

describe('several errors at once', () => {
  test('all are reported in one run', () => {
    const text = breakExample('server:', 'servr:')
      .replace('type: mock', 'type: mock\n    typo: 1\n    timeout: forever')
      .replace('{ provider: demo, model: gpt-4o }', '{ provider: ghost, model: gpt-4o }')
      .replace('\nproviders:', '\nproviders:\n  ds: { type: deepseek }');
    const got = paths(parseConfig(text, {})).sort();
    expect(got).toEqual(
      ['providers.demo.timeout', 'providers.demo.typo', 'providers.ds.api_key', 'routes.0.targets.0.provider', 'servr'].sort(),
    );
  });

  test('schema errors in server and a bad type in providers together', () => {
    const text = 'server: { port: 70000, host: "" }\nproviders:\n  a: { type: nope }\n  b: { type: mock, base_url: nope }\n';
    expect(paths(parseConfig(text, {})).sort()).toEqual(['providers.a.type', 'providers.b.base_url', 'server.host', 'server.port']);
  });
});

describe('${VAR} interpolation', () => {
  const mock = 'providers: { demo: { type: mock } }\n';

  test('${VAR} inside a YAML flow map', () => {
    const config = configOf(parseConfig('providers:\n  openai: { type: openai, api_key: ${KEY} }\n', { KEY: 'sk-test-123' }));
    expect(config.providers.openai).toMatchObject({ type: 'openai', api_key: 'sk-test-123' });
  });

  test('${VAR} as a block scalar and quoted', () => {
    const text = 'providers:\n  openai:\n    type: openai\n    api_key: ${KEY}\n  ds: { type: deepseek, api_key: "${KEY2}" }\n';
    const config = configOf(parseConfig(text, { KEY: 'a', KEY2: 'b' }));
    expect(config.providers.openai).toMatchObject({ api_key: 'a' });
    expect(config.providers.ds).toMatchObject({ api_key: 'b' });
  });

  test('${VAR:-default} uses the default when unset, the variable when set', () => {
    const text = `store: \${STORE_X:-sqlite:/tmp/default.db}\n${mock}`;
    expect(configOf(parseConfig(text, {})).store).toBe('sqlite:/tmp/default.db');
    expect(configOf(parseConfig(text, { STORE_X: 'sqlite:/tmp/set.db' })).store).toBe('sqlite:/tmp/set.db');
  });

  test('a default inside a flow map', () => {
    const config = configOf(parseConfig('providers:\n  o: { type: openai, api_key: ${K:-sk-default} }\n', {}));
    expect(config.providers.o).toMatchObject({ api_key: 'sk-default' });
  });

  test('partial strings: http://${HOST}:8080/v1', () => {
    const text = 'providers:\n  local: { type: openai-compatible, base_url: http://${HOST}:8080/v1 }\n';
    expect(configOf(parseConfig(text, { HOST: 'gpu.internal' })).providers.local).toMatchObject({ base_url: 'http://gpu.internal:8080/v1' });
  });

  test('two references in one string', () => {
    const text = 'providers:\n  local: { type: openai-compatible, base_url: "http://${H}:${P:-8000}/v1" }\n';
    expect(configOf(parseConfig(text, { H: 'h' })).providers.local).toMatchObject({ base_url: 'http://h:8000/v1' });
    expect(configOf(parseConfig(text, { H: 'h', P: '9' })).providers.local).toMatchObject({ base_url: 'http://h:9/v1' });
  });

  test('a numeric port from the environment becomes a number', () => {
    expect(configOf(parseConfig(`server: { port: \${PORT} }\n${mock}`, { PORT: '9090' })).server.port).toBe(9090);
    expect(configOf(parseConfig(`server:\n  port: \${PORT:-7070}\n${mock}`, {})).server.port).toBe(7070);
  });

  test('a non-numeric port from the environment is an error on server.port', () => {
    expect(paths(parseConfig(`server: { port: \${PORT} }\n${mock}`, { PORT: 'http' }))).toEqual(['server.port']);
  });

  test('$${ escapes a literal ${', () => {
    const text = 'providers:\n  demo: { type: mock, headers: { x-template: "$${NOT_A_VAR}" } }\n';
    const config = configOf(parseConfig(text, { NOT_A_VAR: 'expanded' }));
    expect(config.providers.demo?.headers).toEqual({ 'x-template': '${NOT_A_VAR}' });
  });

  test('a missing variable is an issue naming the path and the variable', () => {
    const r = parseConfig('providers:\n  openai: { type: openai, api_key: ${MISSING_KEY_123} }\n', {});
    const issues = issuesOf(r);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('providers.openai.api_key');
    expect(issues[0]?.message).toContain('MISSING_KEY_123');
  });

  test('missing variables in several places are all reported', () => {
    const text = 'server: { host: "${H_MISSING}" }\nproviders:\n  a: { type: openai, api_key: ${A_MISSING} }\n  b: { type: mock, models: ["${M_MISSING}"] }\n';
    const issues = issuesOf(parseConfig(text, {}));
    expect(issues.map((i) => i.path).sort()).toEqual(['providers.a.api_key', 'providers.b.models.0', 'server.host']);
    expect(issues.find((i) => i.path === 'providers.b.models.0')?.message).toContain('M_MISSING');
  });

  test('the environment defaults to process.env', () => {
    process.env.DVARA_TEST_INTERP_KEY = 'from-process-env';
    try {
      const config = configOf(parseConfig('providers:\n  o: { type: openai, api_key: ${DVARA_TEST_INTERP_KEY} }\n'));
      expect(config.providers.o).toMatchObject({ api_key: 'from-process-env' });
    } finally {
      delete process.env.DVARA_TEST_INTERP_KEY;
    }
  });

  test('values are substituted after parsing: YAML never reinterprets them', () => {
    const text = 'providers:\n  o: { type: openai, api_key: ${KEY}, organization: ${ORG} }\n  d: { type: mock, headers: { x: ${H} } }\n';
    const env = { KEY: '123456', ORG: 'a: b # not a comment', H: '{ not: a map }' };
    const config = configOf(parseConfig(text, env));
    expect(config.providers.o).toMatchObject({ api_key: '123456', organization: 'a: b # not a comment' });
    expect(config.providers.d?.headers).toEqual({ x: '{ not: a map }' });
  });

  test('a default may contain ":" and "/" (store URLs)', () => {
    const config = configOf(parseConfig('store: ${S:-sqlite:/var/lib/dvara/x.db}\nproviders: { d: { type: mock } }\n', {}));
    expect(config.store).toBe('sqlite:/var/lib/dvara/x.db');
  });

  test('a value that merely looks like a placeholder is left alone', () => {
    const config = configOf(parseConfig('providers:\n  demo: { type: mock, models: ["$HOME", "${}", "$ {X}"] }\n', {}));
    expect(config.providers.demo?.models).toEqual(['$HOME', '${}', '$ {X}']);
  });
});

describe('YAML syntax errors', () => {
  test('are an issue, not a throw', () => {
    const r = parseConfig('server:\n  port: [1, 2\nproviders: {}\n', {});
    expect(issuesOf(r).length).toBeGreaterThan(0);
  });

  test('name the line', () => {
    // Regression: with prettyErrors: false the yaml errors carried no linePos, and the path was just "yaml".
    const issues = issuesOf(parseConfig('providers:\n  demo: { type: mock }\nserver:\n  port: [1, 2\nroutes: []\n', {}));
    const lineNumbers = issues.flatMap((i) => [...`${i.path} ${i.message}`.matchAll(/line (\d+)/g)].map((m) => Number(m[1])));
    expect(lineNumbers.length, JSON.stringify(issues)).toBeGreaterThan(0);
    // The unclosed "[" is on line 4; YAML notices at line 4 or where the next key starts (line 5).
    for (const n of lineNumbers) expect([4, 5]).toContain(n);
  });

  test('duplicate keys are an error', () => {
    expect(issuesOf(parseConfig('providers: { demo: { type: mock } }\nstore: a\nstore: b\n', {})).length).toBeGreaterThan(0);
  });
});

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['30d', 30 * 86_400_000],
    ['1.5s', 1500],
    [' 2 S ', 2000],
    ['0s', 0],
  ] as const)('%p → %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['5 parsecs', '', 's', '10', '-5s', '5w', '1e3s', 'abc', '5s5'])('%p is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseSize', () => {
  test.each([
    ['512kb', 512 * 1024],
    ['10mb', 10 * 1024 * 1024],
    ['1gb', 1024 ** 3],
    ['100b', 100],
    ['100', 100],
    ['1.5kb', 1536],
    ['10MB', 10 * 1024 * 1024],
    [' 2 kb ', 2048],
  ] as const)('%p → %p', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each(['10 zettabytes', '', 'mb', '-1kb', '10tb', 'ten mb'])('%p is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});
