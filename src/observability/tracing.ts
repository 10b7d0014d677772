// OpenTelemetry tracing, off unless `telemetry:` is configured. One SERVER span per request (named
// `{operation} {model}` after the GenAI semantic conventions) with one CLIENT child per upstream attempt,
// exported over OTLP/HTTP (JSON) in batches. An incoming W3C `traceparent` makes the request span its child;
// each attempt hands the upstream a `traceparent` of its own.
//
// Off is the common case and costs nothing: the OpenTelemetry packages are loaded only by initTracing (a
// synchronous require, which `bun build --compile` bundles like an import), and every function checks one
// module flag and returns a shared no-op object. Spans carry ids, names, models, token counts and outcomes:
// never message bodies, keys or request headers.

import { log } from './logger.ts';
import { z } from 'zod';
import type * as OtelApi from '@opentelemetry/api';
import type { Context, Span, Tracer, TextMapGetter, TextMapSetter, Attributes } from '@opentelemetry/api';
import type * as OtelCore from '@opentelemetry/core';
import type * as OtelSdk from '@opentelemetry/sdk-trace';
import type * as OtelResources from '@opentelemetry/resources';
import type * as OtelExporter from '@opentelemetry/exporter-trace-otlp-http';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_PATH,
  ERROR_TYPE_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import type { RequestRecord } from './record.ts';
import { VERSION } from '../version.ts';

// ---------------------------------------------------------------------------------------------------------
// Config

/** Interpolated values arrive as text: "0.25" is accepted as well as 0.25. */
const ratio = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
  z.number().min(0).max(1),
);

/** `telemetry:` in the config file. */
export const tracingConfigSchema = z.strictObject({
  /** The collector's OTLP/HTTP base URL (http://collector:4318); `/v1/traces` is added unless already there. */
  otlp_endpoint: z
    .string()
    .url({ message: 'must be a URL such as http://collector:4318' })
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
  /** `service.name` on every span. */
  service_name: z.string().min(1).default('dvara'),
  /** Extra headers on every export (a collector's auth token). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Share of new traces recorded, 0..1; a request with a `traceparent` follows its parent's decision. */
  sample_ratio: ratio.default(1),
});

export type TracingConfig = z.output<typeof tracingConfigSchema>;

/** What initTracing accepts: the parsed config, or the same shape with defaults left out. */
export interface TracingOptions {
  otlp_endpoint: string;
  service_name?: string;
  headers?: Record<string, string>;
  sample_ratio?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Public shapes

export interface AttemptOutcome {
  /** What went wrong, for the span's status message (kept short). Absent on success. */
  error?: string;
  /** The upstream's HTTP status, when one arrived. */
  status?: number;
  /** A low-cardinality class for `error.type` (PROVIDER_TIMEOUT, ECONNREFUSED, ...); defaults to the status. */
  errorType?: string;
}

export interface AttemptSpan {
  /** `traceparent` for this attempt's upstream request, or null when tracing is off. */
  traceparent(): string | null;
  end(outcome?: AttemptOutcome): void;
}

export interface RequestSpan {
  /** The OpenTelemetry trace id (32 hex), or null when tracing is off. */
  readonly traceId: string | null;
  /**
   * A child span for one upstream call. `type` is the provider's type (openai, anthropic, gemini, bedrock,
   * deepseek, ...; the provider name is used when absent) and `serverAddress` the upstream's host.
   */
  attempt(provider: string, model: string, type?: string, serverAddress?: string): AttemptSpan;
  /** `traceparent` for the current (latest) attempt, or for the request span before any attempt; null when off. */
  traceparent(): string | null;
  /** Ends the span (and an attempt left open) with what the request's record says. Idempotent. */
  end(record: RequestRecord): void;
}

export interface RequestSpanAttrs {
  /** The gateway's trace id (ctx.traceId, echoed as X-Trace-ID). */
  traceId: string;
  /** chat | completions | embeddings | responses | messages | count_tokens */
  endpoint: string;
  /** The model the client asked for, when already known. */
  model: string | null;
}

const NOOP_ATTEMPT: AttemptSpan = Object.freeze({
  traceparent: () => null,
  end: () => {},
});

const NOOP_REQUEST: RequestSpan = Object.freeze({
  traceId: null,
  attempt: () => NOOP_ATTEMPT,
  traceparent: () => null,
  end: () => {},
});

/** The shared no-op objects (what every function returns while tracing is off). */
export const noopRequestSpan: RequestSpan = NOOP_REQUEST;
export const noopAttemptSpan: AttemptSpan = NOOP_ATTEMPT;

// ---------------------------------------------------------------------------------------------------------
// State

let enabled = false;

interface Live {
  api: typeof OtelApi;
  tracer: Tracer;
  provider: OtelSdk.TracerProvider;
  propagator: OtelCore.W3CTraceContextPropagator;
}
let live: Live | null = null;

/** A trace id the next root span must use (set just before a synchronous startSpan, consumed by it). */
let pendingTraceId: string | null = null;

export function tracingEnabled(): boolean {
  return enabled;
}

const HEADERS_GETTER: TextMapGetter<Headers> = {
  get: (h, key) => h.get(key) ?? undefined,
  keys: (h) => [...h.keys()],
};

const RECORD_SETTER: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The OTLP/HTTP traces URL for a configured endpoint: the base plus `/v1/traces`, unless already there. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return /\/v1\/traces$/.test(trimmed) ? trimmed : `${trimmed}/v1/traces`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The SDK reports a failed export as a JSON dump of the exception: keep its message. */
function diagText(m: unknown): string {
  const text = String(m);
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return `export failed: ${parsed.message}`;
    } catch {
      // not JSON after all
    }
  }
  return text;
}

/** Export failures are worth one line a minute, not one per batch while a collector is down. */
let lastWarnAt = 0;
function warn(msg: string, always = false): void {
  const now = Date.now();
  if (!always && now - lastWarnAt < 60_000) return;
  lastWarnAt = now;
  log('warn', `telemetry: ${msg}`);
}

/**
 * Starts exporting spans to `cfg.otlp_endpoint`. Without a config tracing stays off. Calling it again
 * replaces the running exporter (the old one is flushed in the background).
 */
export function initTracing(cfg: TracingOptions | undefined): void {
  if (!cfg) return;
  // Loaded here, not at module load: with tracing off none of this is ever evaluated.
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const core = require('@opentelemetry/core') as typeof OtelCore;
  const sdk = require('@opentelemetry/sdk-trace') as typeof OtelSdk;
  const resources = require('@opentelemetry/resources') as typeof OtelResources;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtelExporter;

  if (live) void live.provider.shutdown().catch(() => {});

  api.diag.setLogger(
    {
      error: (m: string) => warn(diagText(m)),
      warn: (m: string) => warn(diagText(m)),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const random = new sdk.RandomIdGenerator();
  const idGenerator: OtelSdk.IdGenerator = {
    generateTraceId: () => {
      const given = pendingTraceId;
      pendingTraceId = null;
      return given ?? random.generateTraceId();
    },
    generateSpanId: () => random.generateSpanId(),
  };

  const ratioValue = cfg.sample_ratio ?? 1;
  const root = ratioValue >= 1 ? new sdk.AlwaysOnSampler() : new sdk.TraceIdRatioBasedSampler(ratioValue);
  const exporter = new OTLPTraceExporter({ url: tracesUrl(cfg.otlp_endpoint), headers: { ...cfg.headers } });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: cfg.service_name ?? 'dvara', [ATTR_SERVICE_VERSION]: VERSION }),
    sampler: new sdk.ParentBasedSampler({ root }),
    idGenerator,
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
  });
  live = { api, tracer: provider.getTracer('dvara', VERSION), provider, propagator: new core.W3CTraceContextPropagator() };
  enabled = true;
}

/** Sends every span still queued. A no-op while tracing is off; an export failure is logged, never thrown. */
export async function flushTracing(): Promise<void> {
  if (!live) return;
  await live.provider.forceFlush().catch((e: unknown) => warn(`export failed: ${errorText(e)}`));
}

/**
 * Flushes and stops the exporter (on SIGTERM, before exit); tracing is off afterwards. Never throws, and
 * gives up after `timeoutMs` (an unreachable collector is retried for several seconds otherwise).
 */
export async function shutdownTracing(timeoutMs = 5000): Promise<void> {
  const current = live;
  enabled = false;
  live = null;
  if (!current) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = current.provider.shutdown().catch((e: unknown) => warn(`export failed: ${errorText(e)}`));
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      warn(`shutdown gave up after ${timeoutMs} ms; queued spans were dropped`, true);
      resolve();
    }, timeoutMs);
  });
  await Promise.race([done, expired]);
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------------
// GenAI semantic conventions. They are still in development, so their names are kept here rather than imported
// from the package's `incubating` entry (as the semantic-conventions package advises); the stable ones
// (server.address, http.*, url.path, error.type, service.*) are imported.

const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
const GEN_AI_SYSTEM = 'gen_ai.system';
const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
const GEN_AI_RESPONSE_TTFC = 'gen_ai.response.time_to_first_chunk';
const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';

/** Dvara's endpoints as GenAI operation names. */
const OPERATIONS: Readonly<Record<string, string>> = {
  chat: 'chat',
  responses: 'chat',
  messages: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
};

export function operationName(endpoint: string): string {
  return OPERATIONS[endpoint] ?? endpoint;
}

/**
 * Provider types as the conventions' values: [gen_ai.system, gen_ai.provider.name] (the older and the newer
 * attribute; they differ only for xAI). Types the conventions do not list keep their own name.
 */
const SYSTEMS: Readonly<Record<string, readonly [string, string]>> = {
  openai: ['openai', 'openai'],
  azure: ['azure.ai.openai', 'azure.ai.openai'],
  anthropic: ['anthropic', 'anthropic'],
  gemini: ['gcp.gemini', 'gcp.gemini'],
  vertex: ['gcp.vertex_ai', 'gcp.vertex_ai'],
  bedrock: ['aws.bedrock', 'aws.bedrock'],
  deepseek: ['deepseek', 'deepseek'],
  mistral: ['mistral_ai', 'mistral_ai'],
  groq: ['groq', 'groq'],
  xai: ['xai', 'x_ai'],
  perplexity: ['perplexity', 'perplexity'],
  cohere: ['cohere', 'cohere'],
};

/** `gen_ai.system` for a provider type (openai, anthropic, gemini → gcp.gemini, bedrock → aws.bedrock, ...). */
export function genAiSystem(type: string): string {
  return SYSTEMS[type]?.[0] ?? type;
}

/** `gen_ai.provider.name` for a provider type. */
export function genAiProviderName(type: string): string {
  return SYSTEMS[type]?.[1] ?? type;
}

// ---------------------------------------------------------------------------------------------------------
// Spans

const HEX32 = /^[0-9a-f]{32}$/i;
const ZERO32 = '0'.repeat(32);

function shortMessage(s: string): string {
  return s.length > 256 ? `${s.slice(0, 255)}…` : s;
}

function traceparentOf(l: Live, span: Span): string | null {
  const carrier: Record<string, string> = {};
  l.propagator.inject(l.api.trace.setSpan(l.api.ROOT_CONTEXT, span), carrier, RECORD_SETTER);
  return carrier.traceparent ?? null;
}

class LiveAttempt implements AttemptSpan {
  ended = false;
  constructor(
    private readonly l: Live,
    readonly span: Span,
  ) {}

  traceparent(): string | null {
    return traceparentOf(this.l, this.span);
  }

  end(outcome?: AttemptOutcome): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    const status = outcome?.status;
    if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    const failed = outcome?.error !== undefined || (status !== undefined && status >= 400);
    if (failed) {
      span.setAttribute(ATTR_ERROR_TYPE, outcome?.errorType ?? (status !== undefined && status >= 400 ? String(status) : ERROR_TYPE_VALUE_OTHER));
      const spanStatus: OtelApi.SpanStatus = { code: this.l.api.SpanStatusCode.ERROR };
      if (outcome?.error) spanStatus.message = shortMessage(outcome.error);
      span.setStatus(spanStatus);
    }
    span.end();
  }
}

class LiveRequest implements RequestSpan {
  readonly traceId: string;
  private readonly parent: Context;
  private current: LiveAttempt | null = null;
  private ended = false;

  constructor(
    private readonly l: Live,
    private readonly span: Span,
    private readonly operation: string,
  ) {
    this.traceId = span.spanContext().traceId;
    this.parent = l.api.trace.setSpan(l.api.ROOT_CONTEXT, span);
  }

  attempt(provider: string, model: string, type?: string, serverAddress?: string): AttemptSpan {
    if (this.ended) return NOOP_ATTEMPT;
    const kind = type ?? provider;
    const attributes: Attributes = {
      [GEN_AI_OPERATION_NAME]: this.operation,
      [GEN_AI_SYSTEM]: genAiSystem(kind),
      [GEN_AI_PROVIDER_NAME]: genAiProviderName(kind),
      [GEN_AI_REQUEST_MODEL]: model,
      'dvara.provider': provider,
    };
    if (serverAddress) attributes[ATTR_SERVER_ADDRESS] = serverAddress;
    const span = this.l.tracer.startSpan(`${this.operation} ${model}`, { kind: this.l.api.SpanKind.CLIENT, attributes }, this.parent);
    return (this.current = new LiveAttempt(this.l, span));
  }

  traceparent(): string | null {
    return traceparentOf(this.l, this.current?.span ?? this.span);
  }

  end(r: RequestRecord): void {
    if (this.ended) return;
    this.ended = true;
    if (this.current && !this.current.ended) this.current.end();
    const span = this.span;
    const op = operationName(r.endpoint);
    if (r.model) span.updateName(`${op} ${r.model}`);
    const a: Attributes = {
      [GEN_AI_OPERATION_NAME]: op,
      [GEN_AI_REQUEST_STREAM]: r.stream,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: r.status,
      'dvara.request_id': r.request_id,
      'dvara.endpoint': r.endpoint,
      'dvara.protocol': r.protocol,
      'dvara.attempts': r.attempts,
      'dvara.cache_hit': r.cache_hit,
      'dvara.partial': r.partial,
      'dvara.estimated_tokens': r.estimated,
    };
    if (r.model) a[GEN_AI_REQUEST_MODEL] = r.model;
    if (r.upstream_model) a[GEN_AI_RESPONSE_MODEL] = r.upstream_model;
    if (r.provider) a['dvara.provider'] = r.provider;
    if (r.tenant) a['dvara.tenant'] = r.tenant;
    if (r.prompt_tokens !== null) a[GEN_AI_USAGE_INPUT_TOKENS] = r.prompt_tokens;
    if (r.completion_tokens !== null) a[GEN_AI_USAGE_OUTPUT_TOKENS] = r.completion_tokens;
    if (r.cached_tokens !== null) a[GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = r.cached_tokens;
    if (r.reasoning_tokens !== null) a[GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = r.reasoning_tokens;
    if (r.ttft_ms !== null) a[GEN_AI_RESPONSE_TTFC] = r.ttft_ms / 1000;
    if (r.cost_usd !== null) a['dvara.cost_usd'] = r.cost_usd;
    if (r.error_code) a[ATTR_ERROR_TYPE] = r.error_code;
    span.setAttributes(a);
    // A server span is an error when the gateway failed (5xx), or when a stream that started fine ended in an
    // error event; a 4xx is the client's doing and leaves the status unset, as the HTTP conventions ask.
    if (r.status >= 500 || (r.error_code && r.status < 400)) {
      span.setStatus({ code: this.l.api.SpanStatusCode.ERROR, message: r.error_code ?? `HTTP ${r.status}` });
    }
    span.end();
  }
}

/**
 * The request's SERVER span. A valid incoming `traceparent` makes it that span's child (same trace id);
 * otherwise a gateway trace id of 32 hex digits (a client's X-Trace-ID, or the one Dvara generated) becomes the
 * OpenTelemetry trace id, so X-Trace-ID and the trace agree. `dvara.trace_id` always records the gateway's id.
 */
export function startRequestSpan(req: Request, attrs: RequestSpanAttrs): RequestSpan {
  if (!enabled) return NOOP_REQUEST;
  const l = live!;
  const { api } = l;
  let parent: Context = api.ROOT_CONTEXT;
  if (req.headers.has('traceparent')) {
    const extracted = l.propagator.extract(api.ROOT_CONTEXT, req.headers, HEADERS_GETTER);
    if (api.trace.getSpanContext(extracted)) parent = extracted;
  }
  const operation = operationName(attrs.endpoint);
  const attributes: Attributes = {
    [GEN_AI_OPERATION_NAME]: operation,
    [ATTR_HTTP_REQUEST_METHOD]: req.method,
    [ATTR_URL_PATH]: new URL(req.url).pathname,
    'dvara.trace_id': attrs.traceId,
    'dvara.endpoint': attrs.endpoint,
  };
  if (attrs.model) attributes[GEN_AI_REQUEST_MODEL] = attrs.model;
  const name = attrs.model ? `${operation} ${attrs.model}` : operation;
  if (parent === api.ROOT_CONTEXT && HEX32.test(attrs.traceId)) {
    const id = attrs.traceId.toLowerCase();
    if (id !== ZERO32) pendingTraceId = id;
  }
  let span: Span;
  try {
    span = l.tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
  } finally {
    pendingTraceId = null;
  }
  return new LiveRequest(l, span, operation);
}
