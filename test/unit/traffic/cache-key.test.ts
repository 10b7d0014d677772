import { describe, expect, test } from 'bun:test';
import { cacheKey, canonicalJson } from '../../../src/traffic/cache-key.ts';

const body = (): Record<string, unknown> => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
  ],
  temperature: 0.2,
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
});

const key = (b: Record<string, unknown>, scope = 't1', model = 'openai/gpt-4o-mini') => cacheKey(scope, 'chat', b, model);

describe('canonicalJson', () => {
  test('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  test('drops undefined like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });
});

describe('cacheKey', () => {
  test('is a sha256 hex digest', () => {
    expect(key(body())).toMatch(/^[0-9a-f]{64}$/);
  });

  test('key order in the body does not matter, at any depth', () => {
    const b = body();
    const reordered: Record<string, unknown> = {
      tools: [{ function: { parameters: { properties: { city: { type: 'string' } }, type: 'object' }, name: 'get_weather' }, type: 'function' }],
      temperature: 0.2,
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: [{ text: 'Hi', type: 'text' }], role: 'user' },
      ],
      model: 'gpt-4o-mini',
    };
    expect(key(reordered)).toBe(key(b));
  });

  test('delivery and bookkeeping fields do not matter', () => {
    const plain = key(body());
    for (const extra of [
      { stream: true },
      { stream: true, stream_options: { include_usage: true } },
      { user: 'alice' },
      { metadata: { run: '7' } },
      { store: true },
      { service_tier: 'flex' },
      { temperature: 0.2, user: 'bob', stream: false },
    ]) {
      expect(key({ ...body(), ...extra })).toBe(plain);
    }
  });

  test('the client model name does not matter, the resolved model does', () => {
    expect(key({ ...body(), model: 'alias-fast' })).toBe(key(body()));
    expect(key(body(), 't1', 'openai/gpt-4o')).not.toBe(key(body()));
  });

  test('a top-level null is the same as leaving the field out', () => {
    expect(key({ ...body(), seed: null, max_tokens: null })).toBe(key(body()));
  });

  test('every answer-shaping field matters', () => {
    const plain = key(body());
    const variants: Array<Record<string, unknown>> = [
      { temperature: 0.3 },
      { top_p: 0.9 },
      { max_tokens: 10 },
      { max_completion_tokens: 10 },
      { stop: ['\n'] },
      { seed: 1 },
      { n: 2 },
      { presence_penalty: 0.5 },
      { frequency_penalty: 0.5 },
      { logit_bias: { '50256': -100 } },
      { reasoning_effort: 'low' },
      { parallel_tool_calls: false },
      { tool_choice: 'required' },
      { response_format: { type: 'json_object' } },
      { tools: [] },
      { messages: [{ role: 'user', content: 'Hi' }] },
      { logprobs: true }, // unknown to the key's lists: kept, because it may change the answer
      { x_vendor_knob: 1 },
    ];
    const seen = new Set([plain]);
    for (const v of variants) {
      const k = key({ ...body(), ...v });
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });

  test('message order matters', () => {
    const b = body();
    const msgs = b.messages as unknown[];
    expect(key({ ...b, messages: [...msgs].reverse() })).not.toBe(key(b));
  });

  test('tenants never share keys', () => {
    expect(key(body(), 'tenant-a')).not.toBe(key(body(), 'tenant-b'));
  });

  test('framing cannot be forged across scope and model', () => {
    expect(cacheKey('a","b', 'chat', body(), 'm')).not.toBe(cacheKey('a', 'chat', body(), 'b","m'));
  });

  test('chat and embeddings keys differ for the same body', () => {
    const b = { model: 'text-embedding-3-small', input: 'hello' };
    expect(cacheKey('t', 'embeddings', b, 'openai/text-embedding-3-small')).not.toBe(cacheKey('t', 'chat', b, 'openai/text-embedding-3-small'));
  });

  test('embeddings: input, dimensions and encoding matter; user does not', () => {
    const b = { model: 'e', input: ['a', 'b'] };
    const k = (x: Record<string, unknown>) => cacheKey('t', 'embeddings', x, 'openai/e');
    expect(k({ ...b, user: 'u' })).toBe(k(b));
    expect(k({ ...b, input: ['b', 'a'] })).not.toBe(k(b));
    expect(k({ ...b, dimensions: 256 })).not.toBe(k(b));
    expect(k({ ...b, encoding_format: 'base64' })).not.toBe(k(b));
  });
});

describe('canonicalJson edge cases', () => {
  test('integer-like keys are canonical whatever their order', () => {
    expect(canonicalJson({ '9': 1, '10': 2, a: 3 })).toBe(canonicalJson({ a: 3, '10': 2, '9': 1 }));
  });
  test('a "__proto__" key from JSON is kept as a key', () => {
    const a = JSON.parse('{"x":{"__proto__":{"y":1}}}') as Record<string, unknown>;
    const b = JSON.parse('{"x":{"__proto__":{"y":2}}}') as Record<string, unknown>;
    expect(canonicalJson(a)).toBe('{"x":{"__proto__":{"y":1}}}');
    expect(cacheKey('t', 'chat', a, 'm')).not.toBe(cacheKey('t', 'chat', b, 'm'));
  });
});
