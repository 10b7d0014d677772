import { describe, expect, test } from 'bun:test';
import type { Usage } from '../../../src/protocols/openai/types.ts';
import { BUILTIN_PRICES, CNY_PER_USD } from '../../../src/governance/prices.ts';
import { PRESETS } from '../../../src/providers/openai-compatible/presets.ts';
import { normalizeModel, PriceBook, pricingConfigSchema } from '../../../src/governance/pricing.ts';

const usage = (prompt: number, completion: number, cached?: number, reasoning?: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
  ...(reasoning === undefined ? {} : { completion_tokens_details: { reasoning_tokens: reasoning } }),
});

describe('built-in table', () => {
  const book = new PriceBook();

  test('dated versions resolve to their family', () => {
    const cases: Array<[string, string]> = [
      ['gpt-4o-2024-08-06', 'gpt-4o'],
      ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
      ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
      ['o3-mini-2025-01-31', 'o3-mini'],
      ['o4-mini-2025-04-16', 'o4-mini'],
      ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
      ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
      ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
      ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
      ['claude-3-7-sonnet@20250219', 'claude-3-7-sonnet'],
      ['gemini-2.0-flash-001', 'gemini-2.0-flash'],
      ['gemini-2.5-flash-lite-preview-06-17', 'gemini-2.5-flash-lite'],
      ['models/gemini-2.5-pro', 'gemini-2.5-pro'],
      ['mistral-large-2411', 'mistral-large-latest'],
    ];
    for (const [dated, family] of cases) {
      const price = book.priceOf('p', dated);
      expect(price, dated).not.toBeNull();
      expect(price, dated).toBe(book.priceOf('p', family) as NonNullable<typeof price>);
    }
  });

  test('a family glob does not swallow a sibling family', () => {
    expect(book.priceOf('openai', 'gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    // Same numbers today, but distinct rows: a 4.5 id must not fall into the Sonnet 4 date glob.
    expect(book.priceOf('anthropic', 'claude-sonnet-4-5-20250929')).toBe(book.priceOf('anthropic', 'claude-sonnet-4-5')!);
    expect(book.priceOf('anthropic', 'claude-sonnet-4-5-20250929')).not.toBe(book.priceOf('anthropic', 'claude-sonnet-4')!);
    expect(book.priceOf('anthropic', 'claude-opus-4-5-20251101')?.input).toBe(5);
    expect(book.priceOf('anthropic', 'claude-opus-4-20250514')?.input).toBe(15);
    // An exact snapshot with its own price beats the family's date glob.
    expect(book.priceOf('openai', 'gpt-4o-2024-05-13')).toEqual({ input: 5, output: 15 });
  });

  test('Bedrock ids, cross-region profiles and context-size variants resolve', () => {
    const haiku = book.priceOf('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0');
    expect(haiku).toEqual({ input: 0.25, output: 1.25, cached_input: 0.03 });
    expect(book.priceOf('bedrock', 'us.anthropic.claude-3-haiku-20240307-v1:0')).toBe(haiku!);
    expect(book.priceOf('bedrock', 'eu.anthropic.claude-3-5-sonnet-20240620-v1:0')?.input).toBe(3);
    expect(book.priceOf('bedrock', 'apac.anthropic.claude-3-5-sonnet-20241022-v2:0')?.output).toBe(15);
    expect(book.priceOf('bedrock', 'anthropic.claude-3-sonnet-20240229-v1:0')?.input).toBe(3);
    expect(book.priceOf('bedrock', 'us.amazon.nova-pro-v1:0')?.input).toBe(0.8);
    expect(book.priceOf('bedrock', 'amazon.nova-lite-v1:0:300k')?.input).toBe(0.06);
    expect(book.priceOf('bedrock', 'us.meta.llama3-1-70b-instruct-v1:0')).not.toBeNull();
    expect(book.priceOf('bedrock', 'cohere.command-r-plus-v1:0')?.input).toBe(3);
    expect(book.priceOf('bedrock', 'amazon.titan-embed-text-v2:0')).toEqual({ input: 0.02, output: 0 });
    expect(normalizeModel('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('anthropic.claude-sonnet-4-5-20250929-v1:0');
    // A model id that merely contains a dot is left alone.
    expect(normalizeModel('gpt-4.1')).toBe('gpt-4.1');
  });

  test('every model a preset lists by default has a price', () => {
    // glm-4.6 bills by prompt/output length bands that a flat price cannot express: left to `pricing:`.
    const unpriced = new Set(['glm-4.6']);
    for (const [type, preset] of Object.entries(PRESETS)) {
      for (const m of preset.models) if (!unpriced.has(m)) expect(book.priceOf(type, m), `${type}: ${m}`).not.toBeNull();
    }
  });

  test('no exact id is listed twice (a duplicate would be silently shadowed)', () => {
    const seen = new Set<string>();
    for (const e of BUILTIN_PRICES) for (const m of e.match) {
      expect(seen.has(m), m).toBe(false);
      seen.add(m);
    }
  });

  test('free models cost 0, unknown models cost null (never 0)', () => {
    expect(book.costOf('gemini', 'text-embedding-004', usage(1_000, 0))).toBe(0);
    expect(book.costOf('zhipu', 'glm-4-flash', usage(1_000, 500))).toBe(0);
    expect(book.costOf('qianfan', 'ernie-speed-128k', usage(1_000, 500))).toBe(0);
    expect(book.priceOf('x', 'my-finetune-v7')).toBeNull();
    expect(book.costOf('x', 'my-finetune-v7', usage(1_000, 500))).toBeNull();
    expect(book.costOf('openai', 'gpt-4o', null)).toBeNull();
  });
});

describe('costs', () => {
  const book = new PriceBook();

  test('hand-computed costs', () => {
    // gpt-4o-mini: 1M in × $0.15 + 1M out × $0.60
    expect(book.costOf('openai', 'gpt-4o-mini', usage(1_000_000, 1_000_000))).toBe(0.75);
    // claude-sonnet-4: 2,000 × $3 + 500 × $15 = 13,500 per 1M → $0.0135
    expect(book.costOf('anthropic', 'claude-sonnet-4-20250514', usage(2_000, 500))).toBe(0.0135);
    // text-embedding-3-small: 12,345 × $0.02 / 1M
    expect(book.costOf('openai', 'text-embedding-3-small', usage(12_345, 0))).toBe(0.0002469);
    // moonshot-v1-8k in CNY: (1M × ¥2 + 1M × ¥10) / 7.2
    expect(book.costOf('moonshot', 'moonshot-v1-8k', usage(1_000_000, 1_000_000))).toBeCloseTo(12 / CNY_PER_USD, 9);
  });

  test('cached tokens priced at the cached rate, not double counted', () => {
    // gpt-4o: 600 uncached × $2.50 + 400 cached × $1.25 + 500 out × $10 = 7,000 per 1M → $0.007
    expect(book.costOf('openai', 'gpt-4o', usage(1_000, 500, 400))).toBe(0.007);
    // deepseek-chat: 9,000 miss × $0.28 + 1,000 hit × $0.028 + 0 out
    expect(book.costOf('deepseek', 'deepseek-chat', usage(10_000, 0, 1_000))).toBe(0.002548);
    // Without cached_input a cache hit costs the full input price.
    expect(book.costOf('groq', 'llama-3.1-8b-instant', usage(1_000_000, 0, 500_000))).toBe(0.05);
    // More cached tokens than prompt tokens (a confused upstream): clamped, never negative input.
    expect(book.costOf('openai', 'gpt-4o', usage(100, 0, 1_000))).toBe(0.000125);
  });

  test('reasoning tokens are part of completion_tokens, not added again', () => {
    const without = book.costOf('openai', 'o3-mini', usage(1_000, 2_000));
    expect(book.costOf('openai', 'o3-mini', usage(1_000, 2_000, undefined, 1_500))).toBe(without!);
    expect(without).toBe(0.0099); // 1,000 × 1.10 + 2,000 × 4.40 = 9,900 per 1M
  });

  test('results carry no float noise', () => {
    // 0.1 + 0.2-style sums: 3 × 0.1 alone is 0.30000000000000004 in floats.
    const b = new PriceBook({ m: { input: 0.1, output: 0.2 } });
    expect(b.costOf('p', 'm', usage(1_000_000, 1_000_000))).toBe(0.3);
    expect(b.costOf('p', 'm', usage(3, 3))).toBe(0.0000009);
    expect(b.costOf('p', 'm', usage(1, 1))).toBe(3e-7);
    // Resolution is 1e-9 USD: 7 tokens at $0.0001 per 1M (0.7e-9) round to 1e-9.
    expect(new PriceBook({ m: { input: 0.0001, output: 0 } }).costOf('p', 'm', usage(7, 0))).toBe(1e-9);
  });
});

describe('overrides', () => {
  test('exact override beats the built-in table; glob override beats it too', () => {
    const book = new PriceBook({ 'gpt-4o': { input: 1, output: 2 }, 'claude-*': { input: 7, output: 8 } });
    expect(book.priceOf('openai', 'gpt-4o')).toEqual({ input: 1, output: 2 });
    expect(book.priceOf('anthropic', 'claude-3-haiku-20240307')).toEqual({ input: 7, output: 8 });
    // Other models still come from the built-in table.
    expect(book.priceOf('openai', 'gpt-4o-mini')?.input).toBe(0.15);
    // An override of the exact name does not cover dated versions (the built-in glob still applies to them).
    expect(book.priceOf('openai', 'gpt-4o-2024-08-06')?.input).toBe(2.5);
  });

  test('provider-qualified keys price one provider only, and beat bare keys', () => {
    const book = new PriceBook({
      'gpt-4o': { input: 1, output: 1 },
      'azure-eu/gpt-4o': { input: 3, output: 3 },
      'local/*': { input: 0, output: 0 },
    });
    expect(book.priceOf('azure-eu', 'gpt-4o')).toEqual({ input: 3, output: 3 });
    expect(book.priceOf('openai', 'gpt-4o')).toEqual({ input: 1, output: 1 });
    expect(book.costOf('local', 'llama3:8b', usage(1_000, 1_000))).toBe(0);
    expect(book.priceOf('other', 'llama3:8b')).toBeNull();
  });

  test('globs apply in insertion order; an override of a base Bedrock id covers its cross-region profiles', () => {
    const book = new PriceBook({
      'gpt-4o-mini*': { input: 9, output: 9 },
      'gpt-4o*': { input: 8, output: 8 },
      'amazon.nova-pro-v1:0': { input: 1, output: 4 },
    });
    expect(book.priceOf('openai', 'gpt-4o-mini-2024-07-18')?.input).toBe(9);
    expect(book.priceOf('openai', 'gpt-4o-2024-08-06')?.input).toBe(8);
    expect(book.priceOf('bedrock', 'eu.amazon.nova-pro-v1:0')).toEqual({ input: 1, output: 4 });
  });

  test('memoisation returns the same object', () => {
    const book = new PriceBook({ 'm-*': { input: 1, output: 2 } });
    const a = book.priceOf('p', 'm-1');
    expect(a).not.toBeNull();
    expect(book.priceOf('p', 'm-1')).toBe(a!);
    expect(book.priceOf('q', 'm-1')).toBe(a!); // a different provider shares the override object
    expect(new PriceBook().priceOf('p', 'gpt-4o')).toBe(new PriceBook().priceOf('q', 'gpt-4o-2024-11-20')!);
    // Unknown stays null on repeat (memoised as null, not re-resolved into something else).
    expect(book.priceOf('p', 'nope')).toBeNull();
    expect(book.priceOf('p', 'nope')).toBeNull();
  });

  test('memo stays bounded under many distinct names', () => {
    const book = new PriceBook();
    for (let i = 0; i < 5_000; i++) book.priceOf('p', `junk-${i}`);
    expect(book.priceOf('p', 'gpt-4o')?.input).toBe(2.5);
  });
});

describe('pricingConfigSchema', () => {
  test('parses prices, accepting numeric strings', () => {
    const parsed = pricingConfigSchema.parse({
      'gpt-4o': { input: 2.5, output: '10', cached_input: '1.25' },
      'my-llm/*': { input: 0, output: 0 },
    });
    expect(parsed).toEqual({ 'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 }, 'my-llm/*': { input: 0, output: 0 } });
    expect(new PriceBook(parsed).priceOf('x', 'gpt-4o')).toEqual({ input: 2.5, output: 10, cached_input: 1.25 });
  });

  test('rejects negative prices, missing fields and unknown keys', () => {
    expect(pricingConfigSchema.safeParse({ m: { input: -1, output: 1 } }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ m: { input: 1 } }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ m: { input: 1, output: 1, cache: 1 } }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ m: { input: 'cheap', output: 1 } }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ '': { input: 1, output: 1 } }).success).toBe(false);
  });
});
