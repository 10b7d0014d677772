// Exact cost accounting: model → price (config overrides, then the built-in table) and usage → USD.
// Lookups are memoised per (provider, model), so costing a request is one Map lookup and a few multiplies.

import { z } from 'zod';
import type { Usage } from '../protocols/openai/types.ts';
import { globToRegExp, isGlob } from '../routing/glob.ts';
import { BUILTIN_PRICES, type Price } from './prices.ts';

export type { Price } from './prices.ts';

/** Interpolated config values arrive as text; accept "2.5" as well as 2.5 (same rule as config/schema.ts). */
const numeric = (inner: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), inner);

const rate = numeric(z.number().min(0));

/** One model's price, USD per 1M tokens. */
export const priceSchema = z.strictObject({
  input: rate,
  output: rate,
  cached_input: rate.optional(),
});

/**
 * The `pricing:` config key: model name or glob → price. A key may be `provider/model` (the provider's
 * configured name) to price one provider's model only; otherwise it applies whoever serves the model.
 */
export const pricingConfigSchema = z.record(z.string().min(1), priceSchema);

export type PricingConfig = z.infer<typeof pricingConfigSchema>;

/** Exact names in a Map, globs in order: the shape both the overrides and the built-in table compile to. */
interface Compiled {
  exact: Map<string, Price>;
  globs: Array<{ re: RegExp; price: Price }>;
}

function compile(entries: Iterable<readonly [string, Price]>): Compiled {
  const out: Compiled = { exact: new Map(), globs: [] };
  for (const [name, price] of entries) {
    if (isGlob(name)) out.globs.push({ re: globToRegExp(name), price });
    // First entry wins, so an earlier (more specific) row is never shadowed by a later duplicate.
    else if (!out.exact.has(name)) out.exact.set(name, price);
  }
  return out;
}

/** The built-in table is compiled once per process, not per PriceBook (config reloads build new books). */
let builtin: Compiled | undefined;
function builtinTable(): Compiled {
  builtin ??= compile(BUILTIN_PRICES.flatMap((e) => e.match.map((m) => [m, e.price] as const)));
  return builtin;
}

/**
 * Bedrock cross-region inference profiles (`us.anthropic.claude-...`, `eu.amazon.nova-pro-v1:0`, ...) bill at
 * the base model's price; the lookahead only strips a prefix that is followed by a `vendor.` segment.
 */
const REGION_PREFIX = /^(?:us|us-gov|eu|apac|ap|ca|jp|au|global)\.(?=[a-z0-9-]+\.)/;

/** Gemini's REST names models `models/gemini-...`; the table keys them bare. */
const MODELS_PREFIX = /^models\//;

export function normalizeModel(model: string): string {
  return model.replace(MODELS_PREFIX, '').replace(REGION_PREFIX, '');
}

/** Enough for every (provider, model) pair a real deployment sees; bounds memory if clients send junk names. */
const MEMO_LIMIT = 2048;

export class PriceBook {
  private readonly overrides: Compiled;
  private readonly memo = new Map<string, Price | null>();

  /** `overrides` is the parsed `pricing:` config; its key order is the glob precedence. */
  constructor(overrides: Record<string, Price> = {}) {
    this.overrides = compile(Object.entries(overrides));
  }

  /** The price for `model` as served by `provider` (its configured name), or null when unknown. */
  priceOf(provider: string, model: string): Price | null {
    const key = `${provider}\u0000${model}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const price = this.resolve(provider, model);
    // Bounded: evict the oldest entry (Map iteration is insertion order). Unknown models are memoised too,
    // so a stream of requests for an unpriced model never rescans the globs.
    if (this.memo.size >= MEMO_LIMIT) {
      const oldest = this.memo.keys().next().value;
      if (oldest !== undefined) this.memo.delete(oldest);
    }
    this.memo.set(key, price);
    return price;
  }

  /**
   * USD for one request, rounded to 1e-9 so sums of many small costs carry no float noise. Null when the
   * usage is missing or the model has no price: "unknown" must never be recorded as free.
   */
  costOf(provider: string, model: string, usage: Usage | null): number | null {
    if (!usage) return null;
    const price = this.priceOf(provider, model);
    if (!price) return null;
    const prompt = count(usage.prompt_tokens);
    // Cached tokens are a subset of prompt_tokens; clamp so a confused upstream cannot make input negative.
    const cached = Math.min(count(usage.prompt_tokens_details?.cached_tokens), prompt);
    // Reasoning tokens are already inside completion_tokens (OpenAI's convention, which the adapters keep).
    const completion = count(usage.completion_tokens);
    const perMillion = (prompt - cached) * price.input + cached * (price.cached_input ?? price.input) + completion * price.output;
    // perMillion / 1e6 USD, rounded to 1e-9 USD: one rounding step instead of two divisions.
    return Math.round(perMillion * 1e3) / 1e9;
  }

  private resolve(provider: string, model: string): Price | null {
    const fromConfig = this.lookupOverride(provider, model);
    if (fromConfig) return fromConfig;
    const base = normalizeModel(model);
    // An override of the base id also covers its cross-region profiles and `models/` spellings.
    if (base !== model) {
      const baseOverride = this.lookupOverride(provider, base);
      if (baseOverride) return baseOverride;
    }
    const table = builtinTable();
    return table.exact.get(base) ?? table.globs.find((g) => g.re.test(base))?.price ?? null;
  }

  /** Exact keys first (provider-qualified before bare), then globs in config order against either form. */
  private lookupOverride(provider: string, model: string): Price | null {
    const { exact, globs } = this.overrides;
    if (exact.size === 0 && globs.length === 0) return null;
    const qualified = `${provider}/${model}`;
    const found = exact.get(qualified) ?? exact.get(model) ?? globs.find((g) => g.re.test(qualified) || g.re.test(model))?.price;
    return found ?? null;
  }
}

/** Token counts from upstreams are trusted only when they are finite and positive. */
function count(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}
