// The `anthropic` provider type in config: defaults, the required key, strictness, and what the adapter compiles.
import { describe, expect, test } from 'bun:test';
import { parseConfig } from '../../../../src/config/load.ts';
import { compileUpstream, createAnthropicAdapter } from '../../../../src/providers/anthropic/index.ts';
import { createAdapters } from '../../../../src/providers/registry.ts';

const parse = (provider: string) => parseConfig(`providers:\n  claude: ${provider}\n`, {});

describe('anthropic provider config', () => {
  test('defaults: api.anthropic.com, version 2023-06-01, 4096 max tokens', () => {
    const r = parse('{ type: anthropic, api_key: sk-ant-x }');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.providers.claude).toEqual({
      type: 'anthropic', api_key: 'sk-ant-x', base_url: 'https://api.anthropic.com', anthropic_version: '2023-06-01', default_max_tokens: 4096,
    });
  });

  test('everything configurable; the adapter sends x-api-key and anthropic-version, config headers on top', () => {
    const r = parse('{ type: anthropic, api_key: my-proxy-key, base_url: "http://127.0.0.1:9/", anthropic_version: "2024-01-01", default_max_tokens: "1000", timeout: 30s, headers: { x-extra: v }, models: [claude-x] }');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const p = r.config.providers.claude!;
    if (p.type !== 'anthropic') throw new Error('expected anthropic');
    const up = compileUpstream('claude', p);
    expect(up).toMatchObject({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 30_000, defaultMaxTokens: 1000 });
    expect(up.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'my-proxy-key', 'anthropic-version': '2024-01-01', 'x-extra': 'v' });
    expect(up.redact('key my-proxy-key and sk-ant-api03-abcdefgh')).toBe('key [redacted] and [redacted]');
    expect(createAnthropicAdapter('claude', p)).toMatchObject({ name: 'claude', type: 'anthropic', models: ['claude-x'] });
  });

  test('api_key is required; unknown keys are errors; the type is listed among the known ones', () => {
    const missing = parse('{ type: anthropic }');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.issues.map((i) => i.path)).toEqual(['providers.claude.api_key']);
    const typo = parse('{ type: anthropic, api_key: k, anthropic_verison: x }');
    if (!typo.ok) expect(typo.issues).toEqual([{ path: 'providers.claude.anthropic_verison', message: 'unknown key' }]);
    else throw new Error('expected an error');
    const unknown = parse('{ type: antropic }');
    if (!unknown.ok) expect(unknown.issues[0]!.message).toContain('anthropic');
  });

  test('the registry builds the anthropic adapter, with the native methods', () => {
    const r = parse('{ type: anthropic, api_key: k }');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const a = createAdapters(r.config).get('claude')!;
    expect(a.type).toBe('anthropic');
    expect(typeof a.messages).toBe('function');
    expect(typeof a.countTokens).toBe('function');
    expect(a.models.every((m) => m.startsWith('claude-'))).toBe(true);
  });
});
