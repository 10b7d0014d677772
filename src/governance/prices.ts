// The built-in price table, shipped inside the binary so `cost_usd` works with no config at all.
//
// Basis: each provider's public list price for standard on-demand use (no batch, flex, priority,
// provisioned-throughput, committed-use or regional discounts), as published in late 2025 (2025-11).
// Prices change; the `pricing:` config key overrides any entry here (see pricing.ts).
//
// Units: USD per 1M tokens. `cached_input` is the price of a prompt token served from the provider's
// prompt cache (OpenAI cached input, Anthropic cache read, Gemini context cache, DeepSeek/Moonshot
// cache hit); absent means cache hits cost the full input price. Embeddings have output 0.
//
// Known simplifications (a flat per-token price cannot express them):
// - Tiered prompts use the lowest tier: Gemini 2.5 Pro ≤200k, Gemini 1.5 ≤128k, Claude Sonnet 4/4.5 ≤200k,
//   Qwen3-max ≤32k.
// - Anthropic cache *writes* (1.25× input) are priced as plain input: the usage we receive folds them into
//   prompt_tokens without saying how many there were.
// - Thinking-mode output on Qwen (DashScope bills it higher) is priced as non-thinking output.
// - Chinese providers bill in CNY on their mainland endpoints (which the presets use); those prices are
//   converted at the fixed rate below, so the USD figure drifts with the exchange rate.
//
// Matching: every name in `match` is either an exact model id or a glob (`*` any run, `?` one character).
// Exact ids win over globs; globs are tried in table order, so more specific patterns come first.
// Bedrock cross-region inference profile ids (`us.`, `eu.`, `apac.`, `global.` ... prefixes) are reduced to
// the base model id before lookup (pricing.ts), so only base ids appear here.

export interface Price {
  /** USD per 1M prompt tokens not served from cache. */
  readonly input: number;
  /** USD per 1M completion tokens (reasoning tokens included). */
  readonly output: number;
  /** USD per 1M prompt tokens served from the provider's prompt cache; absent → `input`. */
  readonly cached_input?: number;
}

export interface PriceEntry {
  /** Exact model ids and globs that this price covers. */
  readonly match: readonly string[];
  readonly price: Price;
}

/** Fixed CNY→USD rate for the CNY-billed providers (DashScope, Moonshot, Zhipu, Qianfan). */
export const CNY_PER_USD = 7.2;

/** Frozen so the shared objects handed out by PriceBook cannot be mutated by a caller. */
const usd = (input: number, output: number, cached_input?: number): Price =>
  Object.freeze(cached_input === undefined ? { input, output } : { input, output, cached_input });

const cny = (input: number, output: number, cached_input?: number): Price =>
  usd(input / CNY_PER_USD, output / CNY_PER_USD, cached_input === undefined ? undefined : cached_input / CNY_PER_USD);

const FREE = usd(0, 0);

/** OpenAI pins snapshots as `<family>-YYYY-MM-DD`; the date pattern keeps `gpt-4o` from swallowing `gpt-4o-mini`. */
const openai = (family: string, ...aliases: string[]) => [family, `${family}-20??-??-??`, ...aliases];

/**
 * Anthropic ids on every route they arrive by: the API's `<family>-YYYYMMDD` and `-latest`, Vertex AI's
 * `<family>@YYYYMMDD`, and Bedrock's `anthropic.<family>-YYYYMMDD-vN:M` (same list price on all three).
 */
const claude = (family: string, ...aliases: string[]) => [
  family,
  `${family}-latest`,
  `${family}-20??????`,
  `${family}@20??????`,
  `anthropic.${family}-20??????-v*`,
  ...aliases,
];

/** Bedrock ids sometimes carry a context-size suffix (`...-v1:0:300k`); price them as the base id. */
const bedrock = (id: string) => [id, `${id}:*`];

export const BUILTIN_PRICES: readonly PriceEntry[] = [
  // ── OpenAI (platform.openai.com/docs/pricing, standard tier) ─────────────────────────────────────
  // The first gpt-4o snapshot kept its launch price; an exact id, so it wins over the gpt-4o date glob.
  { match: ['gpt-4o-2024-05-13'], price: usd(5, 15) },
  { match: ['chatgpt-4o-latest'], price: usd(5, 15) },
  { match: openai('gpt-4o-mini'), price: usd(0.15, 0.6, 0.075) },
  { match: openai('gpt-4o'), price: usd(2.5, 10, 1.25) },
  { match: openai('gpt-4.1-nano'), price: usd(0.1, 0.4, 0.025) },
  { match: openai('gpt-4.1-mini'), price: usd(0.4, 1.6, 0.1) },
  { match: openai('gpt-4.1'), price: usd(2, 8, 0.5) },
  { match: openai('gpt-5-nano'), price: usd(0.05, 0.4, 0.005) },
  { match: openai('gpt-5-mini'), price: usd(0.25, 2, 0.025) },
  { match: openai('gpt-5-pro'), price: usd(15, 120) },
  { match: openai('gpt-5', 'gpt-5-chat-latest', 'gpt-5-codex'), price: usd(1.25, 10, 0.125) },
  { match: openai('gpt-5.1', 'gpt-5.1-chat-latest', 'gpt-5.1-codex'), price: usd(1.25, 10, 0.125) },
  { match: openai('o1-pro'), price: usd(150, 600) },
  { match: openai('o1-mini'), price: usd(1.1, 4.4, 0.55) },
  { match: openai('o1', 'o1-preview', 'o1-preview-2024-09-12'), price: usd(15, 60, 7.5) },
  { match: openai('o3-pro'), price: usd(20, 80) },
  { match: openai('o3-mini'), price: usd(1.1, 4.4, 0.55) },
  { match: openai('o3'), price: usd(2, 8, 0.5) },
  { match: openai('o4-mini'), price: usd(1.1, 4.4, 0.275) },
  { match: openai('gpt-4-turbo', 'gpt-4-turbo-preview', 'gpt-4-0125-preview', 'gpt-4-1106-preview'), price: usd(10, 30) },
  { match: ['gpt-4', 'gpt-4-0613'], price: usd(30, 60) },
  { match: ['gpt-3.5-turbo-instruct', 'gpt-3.5-turbo-instruct-0914'], price: usd(1.5, 2) },
  { match: ['gpt-3.5-turbo-1106'], price: usd(1, 2) },
  { match: ['gpt-3.5-turbo', 'gpt-3.5-turbo-0125'], price: usd(0.5, 1.5) },
  { match: ['text-embedding-3-small'], price: usd(0.02, 0) },
  { match: ['text-embedding-3-large'], price: usd(0.13, 0) },
  { match: ['text-embedding-ada-002'], price: usd(0.1, 0) },

  // ── Anthropic (anthropic.com/pricing; cached_input = cache read, 0.1× input) ───────────────────────
  { match: claude('claude-opus-4-5'), price: usd(5, 25, 0.5) },
  { match: claude('claude-opus-4-1'), price: usd(15, 75, 1.5) },
  { match: claude('claude-opus-4', 'claude-opus-4-0'), price: usd(15, 75, 1.5) },
  { match: claude('claude-sonnet-4-5'), price: usd(3, 15, 0.3) },
  { match: claude('claude-sonnet-4', 'claude-sonnet-4-0'), price: usd(3, 15, 0.3) },
  { match: claude('claude-haiku-4-5'), price: usd(1, 5, 0.1) },
  { match: claude('claude-3-7-sonnet'), price: usd(3, 15, 0.3) },
  { match: claude('claude-3-5-sonnet'), price: usd(3, 15, 0.3) },
  { match: claude('claude-3-5-haiku'), price: usd(0.8, 4, 0.08) },
  { match: claude('claude-3-opus'), price: usd(15, 75, 1.5) },
  { match: claude('claude-3-sonnet'), price: usd(3, 15, 0.3) },
  { match: claude('claude-3-haiku'), price: usd(0.25, 1.25, 0.03) },

  // ── Google Gemini (ai.google.dev/gemini-api/docs/pricing, paid tier, text input) ───────────────────
  // Flash-Lite before Flash: `gemini-2.5-flash-lite-preview-*` would otherwise hit the Flash preview glob.
  { match: ['gemini-2.5-flash-lite', 'gemini-2.5-flash-lite-preview-*'], price: usd(0.1, 0.4, 0.01) },
  { match: ['gemini-2.5-flash', 'gemini-2.5-flash-preview-*'], price: usd(0.3, 2.5, 0.03) },
  { match: ['gemini-2.5-pro', 'gemini-2.5-pro-preview-*'], price: usd(1.25, 10, 0.125) },
  { match: ['gemini-2.0-flash-lite', 'gemini-2.0-flash-lite-0??'], price: usd(0.075, 0.3) },
  { match: ['gemini-2.0-flash', 'gemini-2.0-flash-0??'], price: usd(0.1, 0.4, 0.025) },
  { match: ['gemini-1.5-flash-8b', 'gemini-1.5-flash-8b-0??', 'gemini-1.5-flash-8b-latest'], price: usd(0.0375, 0.15, 0.01) },
  { match: ['gemini-1.5-flash', 'gemini-1.5-flash-0??', 'gemini-1.5-flash-latest'], price: usd(0.075, 0.3, 0.01875) },
  { match: ['gemini-1.5-pro', 'gemini-1.5-pro-0??', 'gemini-1.5-pro-latest'], price: usd(1.25, 5, 0.3125) },
  { match: ['text-embedding-004'], price: FREE },
  { match: ['gemini-embedding-001'], price: usd(0.15, 0) },

  // ── Amazon Bedrock (aws.amazon.com/bedrock/pricing, on-demand, us-east-1) ──────────────────────────
  // Anthropic models on Bedrock are covered by claude() above.
  { match: bedrock('amazon.nova-premier-v1:0'), price: usd(2.5, 12.5, 0.625) },
  { match: bedrock('amazon.nova-pro-v1:0'), price: usd(0.8, 3.2, 0.2) },
  { match: bedrock('amazon.nova-lite-v1:0'), price: usd(0.06, 0.24, 0.015) },
  { match: bedrock('amazon.nova-micro-v1:0'), price: usd(0.035, 0.14, 0.00875) },
  { match: bedrock('meta.llama3-1-405b-instruct-v1:0'), price: usd(2.4, 2.4) },
  { match: bedrock('meta.llama3-1-70b-instruct-v1:0'), price: usd(0.72, 0.72) },
  { match: bedrock('meta.llama3-1-8b-instruct-v1:0'), price: usd(0.22, 0.22) },
  { match: bedrock('meta.llama3-3-70b-instruct-v1:0'), price: usd(0.72, 0.72) },
  { match: bedrock('meta.llama3-70b-instruct-v1:0'), price: usd(2.65, 3.5) },
  { match: bedrock('meta.llama3-8b-instruct-v1:0'), price: usd(0.3, 0.6) },
  { match: bedrock('mistral.mistral-large-2407-v1:0'), price: usd(2, 6) },
  { match: bedrock('mistral.mistral-large-2402-v1:0'), price: usd(4, 12) },
  { match: bedrock('cohere.command-r-plus-v1:0'), price: usd(3, 15) },
  { match: bedrock('cohere.command-r-v1:0'), price: usd(0.5, 1.5) },
  { match: bedrock('amazon.titan-embed-text-v2:0'), price: usd(0.02, 0) },
  { match: bedrock('amazon.titan-embed-text-v1'), price: usd(0.1, 0) },
  { match: bedrock('cohere.embed-english-v3'), price: usd(0.1, 0) },
  { match: bedrock('cohere.embed-multilingual-v3'), price: usd(0.1, 0) },

  // ── DeepSeek (api-docs.deepseek.com/quick_start/pricing; V3.2 prices from 2025-09-29, USD) ─────────
  // Both endpoints serve the same model at the same price; cached_input = cache-hit input.
  { match: ['deepseek-chat', 'deepseek-reasoner'], price: usd(0.28, 0.42, 0.028) },

  // ── Alibaba DashScope / Qwen (mainland endpoint, CNY, non-thinking output) ──────────────────────────
  { match: ['qwen3-max', 'qwen3-max-20??-??-??', 'qwen3-max-preview'], price: cny(6, 24) },
  { match: ['qwen-max', 'qwen-max-latest', 'qwen-max-20??-??-??'], price: cny(2.4, 9.6) },
  { match: ['qwen-plus', 'qwen-plus-latest', 'qwen-plus-20??-??-??'], price: cny(0.8, 2) },
  { match: ['qwen-turbo', 'qwen-turbo-latest', 'qwen-turbo-20??-??-??'], price: cny(0.3, 0.6) },
  { match: ['text-embedding-v4', 'text-embedding-v3'], price: cny(0.5, 0) },

  // ── Moonshot (platform.moonshot.cn, CNY; cached_input = cache hit) ─────────────────────────────────
  { match: ['moonshot-v1-8k'], price: cny(2, 10) },
  { match: ['moonshot-v1-32k'], price: cny(5, 20) },
  { match: ['moonshot-v1-128k'], price: cny(10, 30) },
  { match: ['kimi-k2-0905-preview', 'kimi-k2-0711-preview'], price: cny(4, 16, 1) },

  // ── Zhipu (bigmodel.cn/pricing, CNY; the same price for input and output) ──────────────────────────
  { match: ['glm-4-flash', 'glm-4-flash-250414'], price: FREE },
  { match: ['glm-4-plus'], price: cny(5, 5) },
  { match: ['glm-4-air', 'glm-4-air-250414'], price: cny(0.5, 0.5) },
  { match: ['glm-4', 'glm-4-0520'], price: cny(100, 100) },
  { match: ['embedding-3', 'embedding-2'], price: cny(0.5, 0) },

  // ── Baidu Qianfan ERNIE (cloud.baidu.com qianfan pricing, CNY) ─────────────────────────────────────
  // ERNIE Speed / Lite / Tiny have been free since 2024-05-21.
  { match: ['ernie-speed-*', 'ernie-speed', 'ernie-lite-*', 'ernie-lite', 'ernie-tiny-8k'], price: FREE },
  { match: ['ernie-4.0-turbo-8k', 'ernie-4.0-turbo-128k', 'ernie-4.0-turbo-8k-latest'], price: cny(20, 60) },
  { match: ['ernie-4.0-8k', 'ernie-4.0', 'ernie-4.0-8k-latest', 'ernie-4.0-8k-preview'], price: cny(30, 90) },
  { match: ['ernie-3.5-8k', 'ernie-3.5-128k', 'ernie-3.5-8k-preview'], price: cny(0.8, 2) },

  // ── Mistral (mistral.ai/pricing) ────────────────────────────────────────────────────────────────────
  { match: ['mistral-large-latest', 'mistral-large-2411', 'mistral-large-2407'], price: usd(2, 6) },
  { match: ['mistral-medium-latest', 'mistral-medium-2505', 'mistral-medium-2508'], price: usd(0.4, 2) },
  { match: ['mistral-small-latest', 'mistral-small-2501', 'mistral-small-2503', 'mistral-small-2506'], price: usd(0.1, 0.3) },
  { match: ['codestral-latest', 'codestral-2501', 'codestral-2508'], price: usd(0.3, 0.9) },
  { match: ['open-mistral-nemo', 'open-mistral-nemo-2407'], price: usd(0.15, 0.15) },
  { match: ['mistral-embed'], price: usd(0.1, 0) },

  // ── Groq (groq.com/pricing) ─────────────────────────────────────────────────────────────────────────
  { match: ['llama-3.1-8b-instant'], price: usd(0.05, 0.08) },
  { match: ['llama-3.3-70b-versatile'], price: usd(0.59, 0.79) },

  // ── xAI (docs.x.ai models page; cached_input = cached prompt tokens) ───────────────────────────────
  { match: ['grok-4', 'grok-4-0709', 'grok-4-latest'], price: usd(3, 15, 0.75) },
  { match: ['grok-3', 'grok-3-latest'], price: usd(3, 15, 0.75) },
  { match: ['grok-3-mini', 'grok-3-mini-latest'], price: usd(0.3, 0.5, 0.075) },

  // ── Together (together.ai/pricing, serverless) ──────────────────────────────────────────────────────
  { match: ['meta-llama/Llama-3.3-70B-Instruct-Turbo'], price: usd(0.88, 0.88) },
];
