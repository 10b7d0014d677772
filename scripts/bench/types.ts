// Shared shapes of the benchmark harness: systems under test, and what the load generator reports.

export interface StartContext {
  /** The mock upstream every system forwards to, e.g. http://127.0.0.1:PORT (OpenAI-compatible under /v1). */
  upstreamUrl: string;
  /** The port the system must listen on (127.0.0.1). */
  port: number;
  /** CPU list for taskset (`0`): the system under test gets one core to itself. */
  cpus: string;
  /** A scratch directory for this system's config, store and logs. */
  workDir: string;
}

export interface RunningSystem {
  /** Where clients send requests, e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  /** Path of the OpenAI chat endpoint on this system (usually /v1/chat/completions). */
  chatPath: string;
  /** Headers every request carries (auth, provider routing headers). */
  headers: Record<string, string>;
  /** The model name to send. */
  model: string;
  /** Root process of the system; CPU and RSS are summed over it and its descendants. */
  pid: number;
  stop(): Promise<void>;
}

export type Prepared = { ok: true; version: string } | { ok: false; reason: string };

export interface SystemSpec {
  name: string;
  /** What the column means, e.g. "Bifrost core engine behind a minimal HTTP wrapper (lower bound, not stock Bifrost)". */
  label: string;
  /** Installs what the system needs (cached between runs); never throws: a missing peer is skipped with a reason. */
  prepare(opts: { cacheDir: string; quick: boolean }): Promise<Prepared>;
  start(ctx: StartContext): Promise<RunningSystem>;
}

/** Latency distribution in microseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** What `loadgen` prints (one JSON object on stdout) for closed/open modes. */
export interface LoadResult {
  mode: 'closed' | 'open';
  requests: number;
  errors: number;
  /** HTTP status → count, plus "transport" for connection errors. */
  statuses: Record<string, number>;
  duration_s: number;
  rps: number;
  latency_us: Latency;
}

/** What `loadgen -mode stream` prints. */
export interface StreamResult {
  mode: 'stream';
  requests: number;
  errors: number;
  ttfb_us: Latency;
  first_content_us: Latency;
  total_us: Latency;
  /** SSE data events per request (incl. [DONE]): min and max over requests. */
  events_min: number;
  events_max: number;
  /** Network reads that carried more than one SSE event (batching), summed over requests. */
  batched_reads: number;
  /** Gaps between consecutive content events, microseconds. */
  gap_us: Latency;
  /** delta.content of the first measured request, concatenated (checks order and completeness). */
  content_sample: string;
}
