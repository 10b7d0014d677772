import { z } from 'zod';
import { parseDuration, parseSize } from './units.ts';
import { NAMED_PRESETS } from '../providers/openai-compatible/presets.ts';
import { pricingConfigSchema } from '../governance/pricing.ts';
import { tracingConfigSchema } from '../observability/tracing.ts';

// Every object is strict: a typo in a key is an error, never silently ignored.

/** A duration in ms: a number, or text such as "500ms", "30s", "5m". */
const duration = (min: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (parseDuration(v) ?? v) : v),
    z
      .number({ error: (iss) => `${JSON.stringify(iss.input)} is not a duration (use e.g. 500ms, 30s, 5m)` })
      .int()
      .min(min),
  );

/** A size in bytes: a number, or text such as "512kb", "10mb". */
const size = z.preprocess(
  (v) => (typeof v === 'string' ? (parseSize(v) ?? v) : v),
  z
    .number({ error: (iss) => `${JSON.stringify(iss.input)} is not a size (use e.g. 512kb, 10mb)` })
    .int()
    .positive(),
);

/** Interpolated values arrive as text; numeric fields accept "8080" as well as 8080. */
const numeric = (inner: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), inner);

const url = z.string().url({ message: 'must be a URL such as https://api.example.com/v1' });

/** Time limits for one upstream call; `first_byte` is also settable as the provider's `timeout`. */
const timeoutsSchema = z.strictObject({
  /** Until the upstream's response headers. */
  connect: duration(1).optional(),
  /** Until the first event of a stream, or the whole body of a JSON answer. */
  first_byte: duration(1).optional(),
  /** Longest silence between two stream events once the stream has started. */
  idle: duration(1).optional(),
  /** The whole call, stream included. */
  total: duration(1).optional(),
});

const retriesSchema = z.strictObject({
  /** Rounds over the targets after every target failed once. */
  attempts: numeric(z.number().int().min(0)).optional(),
  /** Upstream calls per request, every round and target together. */
  max_attempts: numeric(z.number().int().min(1)).optional(),
  backoff: duration(0).optional(),
  max_backoff: duration(0).optional(),
  /** A Retry-After longer than this ends the retries instead of being waited out. */
  max_retry_after: duration(0).optional(),
});

const breakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive failures that open the circuit. */
  failures: numeric(z.number().int().min(1)).optional(),
  /** Failure rate over `window` that opens it (with at least `min_requests` calls in the window). */
  failure_rate: numeric(z.number().gt(0).max(1)).optional(),
  window: duration(1).optional(),
  min_requests: numeric(z.number().int().min(1)).optional(),
  /** How long an open circuit refuses calls before probing. */
  cooldown: duration(1).optional(),
  /** Calls let through while half-open. */
  probes: numeric(z.number().int().min(1)).optional(),
});

/** Fields every provider accepts. */
const common = {
  base_url: url.optional(),
  timeout: duration(1).optional(),
  timeouts: timeoutsSchema.optional(),
  retries: retriesSchema.optional(),
  breaker: breakerSchema.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).optional(),
};

const keyed = { ...common, api_key: z.string().min(1).optional() };

const openaiProvider = z.strictObject({ type: z.literal('openai'), ...keyed, organization: z.string().optional(), project: z.string().optional() });
const compatibleProvider = z.strictObject({ type: z.literal('openai-compatible'), ...keyed, base_url: url });
const presetProvider = z.strictObject({
  type: z.enum(NAMED_PRESETS),
  ...keyed,
});
const azureProvider = z.strictObject({
  type: z.literal('azure'),
  ...keyed,
  /** https://<resource>.openai.azure.com */
  base_url: url,
  api_version: z.string().min(1).default('2024-10-21'),
  /** model name → deployment name; a model without an entry is used as the deployment name. */
  deployments: z.record(z.string(), z.string()).optional(),
});
const anthropicProvider = z.strictObject({
  type: z.literal('anthropic'),
  ...common,
  /** Without /v1: requests go to {base_url}/v1/messages, like Anthropic's SDKs. */
  base_url: url.default('https://api.anthropic.com'),
  api_key: z.string().min(1),
  anthropic_version: z.string().min(1).default('2023-06-01'),
  /** Anthropic requires max_tokens; used when the client sets none (capped at the model's own limit). */
  default_max_tokens: numeric(z.number().int().positive()).default(4096),
});
const geminiProvider = z.strictObject({
  type: z.literal('gemini'),
  ...common,
  /** Generative Language API key (x-goog-api-key); not needed with `vertex`. */
  api_key: z.string().min(1).optional(),
  /** The API root; a version (/v1beta) is appended unless the URL already ends with one. */
  base_url: url.default('https://generativelanguage.googleapis.com'),
  api_version: z.string().min(1).default('v1beta'),
  /** Vertex AI instead of the Generative Language API: same bodies, another URL and a bearer token. */
  vertex: z
    .strictObject({
      project: z.string().min(1),
      location: z.string().min(1).default('us-central1'),
      /** An OAuth access token (e.g. `gcloud auth print-access-token`); it expires, so pass it by ${VAR}. */
      access_token: z.string().min(1),
    })
    .optional(),
  /** Sent with every request unless the client sends its own `safety_settings`. */
  safety_settings: z.array(z.strictObject({ category: z.string().min(1), threshold: z.string().min(1) })).optional(),
});
const bedrockProvider = z.strictObject({
  type: z.literal('bedrock'),
  ...common,
  /** Else AWS_REGION, AWS_DEFAULT_REGION or the profile's region. */
  region: z.string().min(1).optional(),
  /** Else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else the shared credentials profile. */
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
  /** A profile in ~/.aws/credentials or ~/.aws/config (default: AWS_PROFILE, else "default"). */
  profile: z.string().min(1).optional(),
});
const mockProvider = z.strictObject({
  type: z.literal('mock'),
  ...common,
  /** Pause between streamed chunks, to make the mock feel like a model. */
  chunk_delay: duration(0).default(0),
});

export const providerSchema = z.discriminatedUnion('type', [
  openaiProvider,
  compatibleProvider,
  azureProvider,
  presetProvider,
  anthropicProvider,
  geminiProvider,
  bedrockProvider,
  mockProvider,
]);

const targetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1).optional(),
  weight: numeric(z.number().positive()).default(1),
  /** Request fields this target always gets (e.g. a lower temperature on a fallback model). */
  params: z.record(z.string(), z.unknown()).optional(),
});

const routeSchema = z.strictObject({
  match: z.string().min(1),
  strategy: z.enum(['failover', 'weighted', 'round-robin', 'least-latency']).default('failover'),
  /** Turn the response cache on (or off) for this route; `ttl` overrides the cache's own. */
  cache: z.strictObject({ enabled: z.boolean().default(true), ttl: duration(1).optional() }).optional(),
  /** Override the providers' own settings for requests on this route. */
  retries: retriesSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  targets: z.array(targetSchema).min(1),
});

/** Requests and tokens per minute and per day; absent (or 0) is no limit. */
const limitsSchema = z.strictObject({
  rpm: numeric(z.number().int().min(0)).nullish(),
  tpm: numeric(z.number().int().min(0)).nullish(),
  rpd: numeric(z.number().int().min(0)).nullish(),
  tpd: numeric(z.number().int().min(0)).nullish(),
});

const rateLimitsSchema = z.strictObject({
  /** For keys without their own `--rpm`/`--tpm` (and every key's per-day limits). */
  key_defaults: limitsSchema.optional(),
  /** Shared by all of a tenant's keys, for tenants without an entry in `tenants`. */
  tenant_defaults: limitsSchema.optional(),
  tenants: z.record(z.string(), limitsSchema).optional(),
  /** Completion tokens reserved for a request that sets no max_tokens, until its real usage is known. */
  default_max_tokens: numeric(z.number().int().positive()).default(1024),
});

const cacheSchema = z.strictObject({
  /** Cache every request by default; otherwise only routes, tenants or requests (X-Dvara-Cache: on) that opt in. */
  enabled: z.boolean().default(false),
  ttl: duration(1).default(3_600_000),
  max_entries: numeric(z.number().int().positive()).default(10_000),
  max_bytes: size.default(64 * 1024 * 1024),
  /** Larger answers are not cached (default: max_bytes / 8). */
  max_entry_bytes: size.optional(),
  /** Tenants whose requests are cached. */
  tenants: z.array(z.string().min(1)).default([]),
  /** Keep entries across restarts (written in the background): true = in the store's SQLite database, or a file path. */
  persist: z.union([z.boolean(), z.string().min(1)]).optional(),
});

const auditSchema = z.strictObject({
  /** Signs every request row and admin event into a tamper-evident chain (`dvara audit verify`). */
  hmac_key: z.string().min(16, 'the audit key must be at least 16 characters').optional(),
  /** Request and response bodies in the log, for these tenants only, each cut at max_size. */
  bodies: z.strictObject({ tenants: z.array(z.string().min(1)).default([]), max_size: size.default(64 * 1024) }).optional(),
  /** Rows older than this are pruned once a day by the gateway (also: dvara usage prune --before). */
  retention: duration(60_000).optional(),
  /** Where rows go when the store cannot take them; replayed on start (default: beside the SQLite store). */
  spill_file: z.string().min(1).optional(),
});

const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: numeric(z.number().int().min(0).max(65535)).default(8080),
      max_body_size: size.default(10 * 1024 * 1024),
    })
    .prefault({}),
  store: z.string().min(1).default('sqlite:./dvara.db'),
  admin: z.strictObject({ token: z.string().min(16, 'admin token must be at least 16 characters') }).optional(),
  providers: z
    .record(
      z.string().regex(PROVIDER_NAME, 'provider names are letters, digits, "-", "_" and "." (no "/": it separates provider and model)'),
      providerSchema,
    )
    .refine((p) => Object.keys(p).length > 0, 'configure at least one provider (e.g. demo: { type: mock })'),
  routes: z.array(routeSchema).default([]),
  limits: rateLimitsSchema.optional(),
  cache: cacheSchema.optional(),
  audit: auditSchema.optional(),
  /** USD per 1M tokens for models the built-in table lacks, or to override it: model (or provider/model, glob) → prices. */
  pricing: pricingConfigSchema.optional(),
  /** OpenTelemetry tracing (OTLP/HTTP), off unless set. */
  telemetry: tracingConfigSchema.optional(),
  /** Log level of the JSON lines on stderr. */
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
export type RetriesConfig = z.output<typeof retriesSchema>;
export type BreakerConfig = z.output<typeof breakerSchema>;
