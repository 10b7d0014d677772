import type {
  ChatCompletion,
  ChatRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  Usage,
} from '../protocols/openai/types.ts';
import type { CallTimeouts } from '../traffic/policy.ts';

/** One upstream call: the resolved target plus what the request path needs the adapter to honour. */
export interface UpstreamCall {
  /** The model name the upstream knows (after routing stripped the prefix or applied an alias). */
  model: string;
  /** Aborts when the client goes away or the gateway gives up. */
  signal: AbortSignal;
  /** Whether the client asked for the final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** Extra headers the gateway adds upstream (trace id). */
  traceId: string;
  /**
   * The client's body bytes. An adapter that would send the same JSON (same model name, nothing rewritten)
   * forwards these instead of serialising again: for large bodies that is megabytes of copies saved.
   */
  rawBody?: string | Uint8Array;
  /** W3C trace context for the upstream (when tracing is on). */
  traceparent?: string;
  /** This call's time limits (the provider's, with the route's overrides); absent fields use the adapter's defaults. */
  timeouts?: CallTimeouts;
}

export interface UsageReport {
  usage: Usage | null;
  /** True when the stream ended early (client abort, upstream cut) and usage is what was known so far. */
  partial: boolean;
  /** The error code the stream ended with (its final SSE error event), if any. */
  errorCode?: string;
}

/** A complete response: `body` is either the pivot object or the upstream's own JSON text, forwarded as is. */
export interface JsonResult<T> {
  kind: 'json';
  body: T | string;
  usage: Usage | null;
  /** The model the upstream says answered, when known. */
  model?: string;
  /** The provider reported no usage and `usage` is Dvara's estimate (Gemini embeddings). */
  usageEstimated?: boolean;
}

/**
 * A stream already in OpenAI's SSE wire format (`data: {...}\n\n` ... `data: [DONE]\n\n`): OpenAI-compatible
 * upstreams are forwarded event by event, translating adapters serialise pivot chunks into it.
 */
export interface StreamResult {
  kind: 'stream';
  body: ReadableStream<Uint8Array>;
  /** Settles when the stream ends, however it ends. Never rejects. */
  usage: Promise<UsageReport>;
}

/** An inbound Anthropic Messages body (POST /v1/messages), forwarded natively to adapters that speak it. */
export interface NativeMessagesRequest {
  model: string;
  stream?: boolean;
  [k: string]: unknown;
}

/** An inbound OpenAI Responses body (POST /v1/responses), forwarded natively to adapters that speak it. */
export interface NativeResponsesRequest {
  model: string;
  stream?: boolean | null;
  [k: string]: unknown;
}

/** Extra for native calls: client headers the upstream must see (anthropic-beta, anthropic-version). */
export interface NativeCall extends UpstreamCall {
  headers: Record<string, string>;
}

export interface ProviderAdapter {
  /** The configured provider name (also its model prefix). */
  readonly name: string;
  /** The provider's type (openai, deepseek, mock, ...). */
  readonly type: string;
  /** Model names listed by GET /v1/models for this provider. */
  readonly models: readonly string[];
  chat(req: ChatRequest, call: UpstreamCall): Promise<JsonResult<ChatCompletion> | StreamResult>;
  complete?(req: CompletionRequest, call: UpstreamCall): Promise<JsonResult<Completion> | StreamResult>;
  embed?(req: EmbeddingRequest, call: UpstreamCall): Promise<JsonResult<EmbeddingResponse>>;
  /** Charges nothing per token (the offline mock, self-hosted servers): its usage costs zero. */
  readonly free?: boolean;
  /** `embed` takes token-id inputs as they are; otherwise the front door decodes them to text first. */
  readonly embedsTokenIds?: boolean;
  /**
   * Native Anthropic Messages passthrough, for adapters whose upstream speaks it: the body goes upstream with
   * only the model rewritten, and a stream's body is Anthropic's own SSE bytes (not OpenAI's), with usage
   * sniffed on the way. The /v1/messages front door uses it when present, else translates via `chat`.
   */
  messages?(req: NativeMessagesRequest, call: NativeCall): Promise<JsonResult<unknown> | StreamResult>;
  /**
   * Native OpenAI Responses API passthrough (OpenAI itself): the body goes upstream with only the model
   * rewritten, and a stream's body is the Responses API's own typed SSE. The /v1/responses front door uses it
   * when present, else translates via `chat`.
   */
  responses?(req: NativeResponsesRequest, call: UpstreamCall): Promise<JsonResult<unknown> | StreamResult>;
  /** Native POST /v1/messages/count_tokens. */
  countTokens?(req: NativeMessagesRequest, call: NativeCall): Promise<JsonResult<{ input_tokens: number }>>;
}
