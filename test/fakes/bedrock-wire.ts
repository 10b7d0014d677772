// Body and event builders for the fake Bedrock Runtime (bedrock-upstream.ts). Deterministic given the request
// (but for tool-use ids), so tests can assert exact content and usage. Shapes follow design/providers.md 4.2
// (Converse response), 4.3 (ConverseStream events, each with a `p` padding field) and 4.7 (errors).
import { randomBytes, randomUUID } from 'node:crypto';
import { sampleFromSchema } from '../../src/providers/mock/json-schema-sample.ts';
import { fragments } from './openai-wire.ts';
import type { ScriptedReply } from './scripted-server.ts';

type Obj = Record<string, any>;

/** HTTP status of each Bedrock error (aws-sdk-js-v3 error names; statuses per the AWS API reference). */
export const ERROR_STATUS: Record<string, number> = {
  ValidationException: 400,
  IncompleteSignatureException: 400,
  AccessDeniedException: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  MissingAuthenticationTokenException: 403,
  ResourceNotFoundException: 404,
  UnknownOperationException: 404,
  ModelTimeoutException: 408,
  ConflictException: 409,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  ServiceQuotaExceededException: 400,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** Authentication errors come from AWS's shared front end (Coral service namespace), the rest from Bedrock. */
const CORAL = new Set(['IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException', 'UnknownOperationException']);

/** A Bedrock error response: `{"message":…}` with the type in `x-amzn-ErrorType`. */
export function bedrockError(name: string, message: string, status = ERROR_STATUS[name] ?? 400): ScriptedReply {
  const ns = CORAL.has(name) ? 'com.amazon.coral.service' : 'com.amazon.bedrock';
  return { status, json: { message }, headers: { 'x-amzn-ErrorType': `${name}:http://internal.amazon.com/coral/${ns}/` } };
}

export interface ConversePlan {
  content: Obj[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; cacheReadInputTokens: number; cacheWriteInputTokens: number };
  latencyMs: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bedrock's tool-use ids look like `tooluse_` + 22 random alphanumerics. */
const toolUseId = () => `tooluse_${Array.from(randomBytes(22), (b) => ALNUM[b % ALNUM.length]).join('')}`;
const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean).length;
const blocksOf = (m: Obj | undefined): Obj[] => (Array.isArray(m?.content) ? m.content : []);
const textOf = (blocks: Obj[]) => blocks.filter((b) => typeof b.text === 'string').map((b) => b.text as string).join(' ');

function resultText(r: Obj): string {
  return (Array.isArray(r.content) ? (r.content as Obj[]) : []).map((c) => (typeof c.text === 'string' ? c.text : 'json' in c ? JSON.stringify(c.json) : '')).join(' ');
}

/** What the fake "model" answers: tool calls when tools are offered (and not answered yet, or forced), otherwise text. */
export function planConverse(body: Obj, raw: string): ConversePlan {
  const messages = (body.messages ?? []) as Obj[];
  const lastBlocks = blocksOf(messages[messages.length - 1]);
  const toolResults = lastBlocks.filter((b) => b.toolResult).map((b) => b.toolResult as Obj);
  const userText = textOf(lastBlocks);
  const tools = ((body.toolConfig?.tools ?? []) as Obj[]).filter((t) => t.toolSpec).map((t) => t.toolSpec as Obj);
  const choice = (body.toolConfig?.toolChoice ?? { auto: {} }) as Obj;
  const cached = raw.includes('"cachePoint"');
  const inputTokens = Math.ceil(JSON.stringify([body.system ?? [], messages, tools]).length / 4);
  const plan = (content: Obj[], stopReason: ConversePlan['stopReason'], outputTokens: number): ConversePlan => {
    const usage = { inputTokens, outputTokens, totalTokens: 0, cacheReadInputTokens: cached ? 32 : 0, cacheWriteInputTokens: 0 };
    usage.totalTokens = usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens;
    return { content, stopReason, usage, latencyMs: 120 + outputTokens };
  };

  const forced = 'any' in choice || 'tool' in choice;
  if (tools.length > 0 && (forced || toolResults.length === 0)) {
    const content: Obj[] = forced ? [] : [{ text: 'I will use a tool for that.' }];
    const named = tools.filter((t) => userText.includes(t.name));
    const picked = 'tool' in choice ? tools.filter((t) => t.name === choice.tool.name) : named.length > 0 ? named : tools.slice(0, 1);
    for (const t of picked) content.push({ toolUse: { toolUseId: toolUseId(), name: t.name, input: sampleFromSchema(t.inputSchema?.json ?? {}) ?? {} } });
    return plan(content, 'tool_use', 8 * content.length);
  }

  let text: string;
  if (toolResults.length > 0) {
    text = `Tool results: ${toolResults.map(resultText).join('; ')}`;
  } else {
    const images = lastBlocks.filter((b) => b.image).length;
    text = `${images > 0 ? `I see ${images} image${images > 1 ? 's' : ''}. ` : ''}You said: ${userText}`;
  }
  let stop: ConversePlan['stopReason'] = 'end_turn';
  for (const seq of (body.inferenceConfig?.stopSequences ?? []) as string[]) {
    const at = text.indexOf(seq);
    if (at !== -1) {
      text = text.slice(0, at);
      stop = 'stop_sequence';
    }
  }
  // One "token" per word, so maxTokens cuts predictably.
  const words = text.match(/\s*\S+/g) ?? [];
  const max = body.inferenceConfig?.maxTokens;
  if (typeof max === 'number' && words.length > max) {
    text = words.slice(0, max).join('');
    stop = 'max_tokens';
  }
  // Bedrock rejects blank text blocks in requests, and returns none either.
  return plan(text.trim() ? [{ text }] : [], stop, wordsOf(text) + 1);
}

/** The Converse response body (providers.md 4.2). */
export function converseBody(plan: ConversePlan): Obj {
  return {
    metrics: { latencyMs: plan.latencyMs },
    output: { message: { content: plan.content, role: 'assistant' } },
    stopReason: plan.stopReason,
    usage: plan.usage,
  };
}

export type StreamEvent = [eventType: string, payload: Obj];

/** The ConverseStream events for a plan (providers.md 4.3): text blocks get no contentBlockStart, tool inputs
 * arrive as JSON-string fragments, and usage comes last in `metadata`. */
export function converseStreamEvents(plan: ConversePlan): StreamEvent[] {
  const events: StreamEvent[] = [['messageStart', { role: 'assistant' }]];
  plan.content.forEach((block, contentBlockIndex) => {
    if (block.toolUse) {
      const { toolUseId: id, name, input } = block.toolUse as Obj;
      events.push(['contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: id, name } } }]);
      for (const piece of fragments(JSON.stringify(input))) events.push(['contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: piece } } }]);
    } else {
      for (const piece of fragments(block.text as string)) events.push(['contentBlockDelta', { contentBlockIndex, delta: { text: piece } }]);
    }
    events.push(['contentBlockStop', { contentBlockIndex }]);
  });
  const { inputTokens, outputTokens, totalTokens, cacheReadInputTokens, cacheWriteInputTokens } = plan.usage;
  const usage: Obj = { inputTokens, outputTokens, totalTokens };
  if (cacheReadInputTokens) usage.cacheReadInputTokens = cacheReadInputTokens;
  if (cacheWriteInputTokens) usage.cacheWriteInputTokens = cacheWriteInputTokens;
  events.push(['messageStop', { stopReason: plan.stopReason }], ['metadata', { usage, metrics: { latencyMs: plan.latencyMs } }]);
  return events;
}

let padSeq = 0;
/** Real events carry a `p` field of varying length so payload sizes do not leak the content. */
export function withPadding(payload: Obj): Obj {
  padSeq = (padSeq + 7) % 40;
  return { ...payload, p: (ALNUM + ALNUM).slice(0, 4 + padSeq) };
}

// ---- InvokeModel embeddings (providers.md 4.6) ----

/** A deterministic vector in [-1, 1] seeded from the text (FNV-1a seed, mulberry32 stream). */
export function embedVector(text: string, dims: number, normalize: boolean): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out.push(((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1);
  }
  if (!normalize) return out;
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

export const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));
const malformed = (detail: string) => `Malformed input request: ${detail}, please reformat your input and try again.`;
const extraKey = (body: Obj, allowed: string[]) => Object.keys(body).find((k) => !allowed.includes(k));

export type InvokeResult = { error: string } | { body: Obj; inputTokens: number };

function titan(modelId: string, body: Obj): InvokeResult {
  const v2 = modelId.startsWith('amazon.titan-embed-text-v2');
  const extra = extraKey(body, v2 ? ['inputText', 'dimensions', 'normalize', 'embeddingTypes'] : ['inputText']);
  if (extra) return { error: malformed(`#: extraneous key [${extra}] is not permitted`) };
  if (typeof body.inputText !== 'string') return { error: malformed('#: required key [inputText] not found') };
  if (body.inputText.length === 0) return { error: malformed('#/inputText: expected minLength: 1, actual: 0') };
  const dims = v2 ? (body.dimensions ?? 1024) : 1536;
  if (v2 && ![256, 512, 1024].includes(dims)) return { error: malformed(`#/dimensions: ${dims} is not a valid enum value`) };
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean') return { error: malformed('#/normalize: expected type: Boolean, found: ' + typeof body.normalize) };
  const embedding = embedVector(body.inputText, dims, v2 && body.normalize !== false);
  const inputTokens = tokensOf(body.inputText);
  const out: Obj = { embedding, inputTextTokenCount: inputTokens };
  if (Array.isArray(body.embeddingTypes)) out.embeddingsByType = { float: embedding };
  return { body: out, inputTokens };
}

const INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const EMBED_TYPES = ['float', 'int8', 'uint8', 'binary', 'ubinary'];

function quantize(v: number[], type: string): number[] {
  if (type === 'int8') return v.map((x) => Math.round(x * 127));
  if (type === 'uint8') return v.map((x) => Math.round((x + 1) * 127.5));
  if (type === 'binary' || type === 'ubinary') {
    const bytes: number[] = [];
    for (let i = 0; i < v.length; i += 8) {
      let b = 0;
      for (let j = 0; j < 8; j++) b = (b << 1) | ((v[i + j] ?? 0) > 0 ? 1 : 0);
      bytes.push(type === 'binary' ? b - 128 : b);
    }
    return bytes;
  }
  return v;
}

function cohere(modelId: string, body: Obj): InvokeResult {
  const v4 = modelId.startsWith('cohere.embed-v4');
  const extra = extraKey(body, ['texts', 'input_type', 'truncate', 'embedding_types', ...(v4 ? ['output_dimension', 'max_tokens', 'images', 'inputs'] : ['images'])]);
  if (extra) return { error: malformed(`#: extraneous key [${extra}] is not permitted`) };
  if (!Array.isArray(body.texts)) return { error: malformed('#: required key [texts] not found') };
  if (body.texts.length === 0) return { error: malformed('#/texts: expected minimum item count: 1, found: 0') };
  if (body.texts.length > 96) return { error: malformed(`#/texts: expected maximum item count: 96, found: ${body.texts.length}`) };
  if (body.texts.some((t: unknown) => typeof t !== 'string')) return { error: malformed('#/texts: expected type: String') };
  if (body.input_type === undefined) return { error: malformed('#: required key [input_type] not found') };
  if (!INPUT_TYPES.includes(body.input_type)) return { error: malformed(`#/input_type: ${body.input_type} is not a valid enum value`) };
  if (body.truncate !== undefined && !['NONE', 'START', 'END'].includes(body.truncate)) return { error: malformed(`#/truncate: ${body.truncate} is not a valid enum value`) };
  const types = body.embedding_types as unknown;
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => !EMBED_TYPES.includes(t)))) return { error: malformed('#/embedding_types: not a valid enum value') };
  const dims = v4 ? (body.output_dimension ?? 1536) : 1024;
  if (v4 && ![256, 512, 1024, 1536].includes(dims)) return { error: malformed(`#/output_dimension: ${dims} is not a valid enum value`) };
  const texts = body.texts as string[];
  const vectors = texts.map((t) => embedVector(t, dims, true));
  const inputTokens = texts.reduce((n, t) => n + tokensOf(t), 0);
  const base = { id: randomUUID(), texts };
  if (!v4 && types === undefined) return { body: { embeddings: vectors, ...base, response_type: 'embeddings_floats' }, inputTokens };
  const byType: Obj = {};
  for (const type of (types as string[] | undefined) ?? ['float']) byType[type] = vectors.map((v) => quantize(v, type));
  return { body: { embeddings: byType, ...base, response_type: 'embeddings_by_type' }, inputTokens };
}

export const EMBEDDING_MODELS = ['amazon.titan-embed-text-v1', 'amazon.titan-embed-text-v2:0', 'cohere.embed-english-v3', 'cohere.embed-multilingual-v3', 'cohere.embed-v4:0'];

/** InvokeModel for the embedding models; `null` when the model is not one of them. */
export function invokeEmbedding(modelId: string, body: Obj): InvokeResult | null {
  const base = modelId.replace(/^[a-z]{2,4}\.(?=(amazon|cohere)\.)/, ''); // inference-profile prefix, e.g. `us.`
  if (!EMBEDDING_MODELS.includes(base)) return null;
  return base.startsWith('amazon.') ? titan(base, body) : cohere(base, body);
}
