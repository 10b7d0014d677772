// One request's record: what the usage log, the audit chain, /metrics, `dvara tail` and `dvara usage` read.
// Built once per request when its answer ends (streams: when the stream settles), never on the hot path.

export interface RequestRecord {
  /** Epoch ms when the request arrived. */
  ts: number;
  request_id: string;
  trace_id: string;
  session_id: string | null;
  tenant: string | null;
  /** The key's id (`key_...`), never its secret. */
  key_id: string | null;
  /** chat | completions | embeddings | responses | messages | count_tokens */
  endpoint: string;
  /** openai | anthropic (the client's protocol) */
  protocol: 'openai' | 'anthropic';
  /** The model name the client asked for. */
  model: string | null;
  /** The provider and upstream model that answered (or were last tried). */
  provider: string | null;
  upstream_model: string | null;
  attempts: number;
  /** Every target tried: JSON of [{provider, model, outcome, ms, error}]. */
  path: string | null;
  /** HTTP status sent to the client (for a stream: 200, with `error_code` set if it ended in an error event). */
  status: number;
  /** Dvara's error code (RATE_LIMITED, PROVIDER_ERROR, ...), null on success. */
  error_code: string | null;
  stream: boolean;
  latency_ms: number;
  /** Time to the first streamed byte; null for JSON answers. */
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  /** True when the stream ended early (client cancel, upstream cut): tokens are what was known so far. */
  partial: boolean;
  /** True when tokens are Dvara's estimate (the provider reported none). */
  estimated: boolean;
  /** USD; null when the model has no known price. */
  cost_usd: number | null;
  cache_hit: boolean;
  /** For a cache hit: what the cached answer cost when it was made (what the hit saved); null otherwise. */
  saved_cost_usd: number | null;
  client_ip: string | null;
  user_agent: string | null;
}
