// Body and SSE-event builders for the fake OpenAI upstream (openai-upstream.ts). Everything is
// deterministic given the request, so gateway tests can assert exact content/usage without scripting.
// Shapes follow design/providers.md §1 (OpenAI) and §5 (OpenAI-compatible Chinese providers).
import type {
  ChatChunk, ChatCompletion, ChatMessage, ChatRequest, Completion, CompletionRequest,
  EmbeddingRequest, EmbeddingResponse, PromptInput, ToolCall, Usage,
} from '../../src/protocols/openai/types.ts';

export const FINGERPRINT = 'fp_fake0001';
export const SSE_DONE = 'data: [DONE]\n\n';

let seq = 0;
/** Unique, recognisable ids (OpenAI's are random; ours only need to be distinct). */
export function fakeId(prefix: string): string {
  seq += 1;
  return `${prefix}fake${seq.toString(36).padStart(8, '0')}`;
}

/** One SSE event exactly as OpenAI frames it: compact JSON, no `event:` line, blank-line terminator. */
export function sseData(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

export function openaiError(message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

export function usageOf(prompt: number, completion: number): Usage {
  return {
    prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const now = () => Math.floor(Date.now() / 1000);
const tokensOf = (text: string) => Math.ceil(text.length / 4);
const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean).length;

export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
    .filter(Boolean)
    .join(' ');
}

/** Streaming pieces: one word per piece (leading whitespace kept so pieces concatenate back to the
 * original); text with fewer than 3 words (compact JSON) is cut into 3 slices so reassembly is exercised. */
export function fragments(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  if (words.length >= 3) {
    const rest = text.slice(words.join('').length);
    if (rest) words[words.length - 1] += rest;
    return words;
  }
  const cps = Array.from(text);
  const n = Math.min(3, cps.length);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(cps.slice(Math.floor((i * cps.length) / n), Math.floor(((i + 1) * cps.length) / n)).join(''));
  return out;
}

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sample value for a JSON schema: string → "Paris", number/integer → 1, boolean → true, enums → first.
 * `requiredOnly` mirrors a model filling only required tool arguments (all properties when none listed). */
export function sampleFromSchema(schema: unknown, requiredOnly: boolean, root: unknown = schema, depth = 0): unknown {
  const s = isObj(schema) ? schema : {};
  if (depth > 12) return null;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.replace(/^#\//, '').split('/').reduce<unknown>((acc, k) => (isObj(acc) ? acc[k] : undefined), root);
    return sampleFromSchema(target, requiredOnly, root, depth + 1);
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ('const' in s) return s.const;
  const alt = s.anyOf ?? s.oneOf;
  if (Array.isArray(alt) && alt.length > 0) return sampleFromSchema(alt.find((a) => !(isObj(a) && a.type === 'null')) ?? alt[0], requiredOnly, root, depth + 1);
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? s.type[0]) : s.type;
  switch (type) {
    case 'string': return 'Paris';
    case 'number': case 'integer': return 1;
    case 'boolean': return true;
    case 'null': return null;
    case 'array': return [sampleFromSchema(s.items, requiredOnly, root, depth + 1)];
  }
  if (type !== 'object' && !isObj(s.properties)) return null;
  const props = isObj(s.properties) ? s.properties : {};
  const keys = requiredOnly && Array.isArray(s.required) ? (s.required as string[]) : Object.keys(props);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sampleFromSchema(props[k], requiredOnly, root, depth + 1);
  return out;
}

/** What the fake "model" decides to answer, before it is rendered as a body or a stream. */
export type ChatPlan =
  | { kind: 'text'; content: string; finish: 'stop' | 'length' }
  | { kind: 'tool'; call: ToolCall };

export function planChat(req: ChatRequest): ChatPlan {
  const tools = (req.tools ?? []).filter((t) => t?.type === 'function' && typeof t.function?.name === 'string');
  const messages = req.messages ?? [];
  const last = messages[messages.length - 1];
  // After the tool's results the model answers in text, as real models do, unless a call is forced.
  const forced = req.tool_choice === 'required' || typeof req.tool_choice === 'object';
  if (last?.role === 'tool' && !forced) {
    const results: string[] = [];
    for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) results.unshift(contentText(messages[i]!.content));
    return truncate(`Tool results: ${results.join('; ')}`, req.max_completion_tokens ?? req.max_tokens);
  }
  if (tools.length > 0 && req.tool_choice !== 'none') {
    const choice = req.tool_choice;
    const named = typeof choice === 'object' ? tools.find((t) => t.function.name === choice.function?.name) : undefined;
    const tool = named ?? tools[0]!;
    const args = sampleFromSchema(tool.function.parameters ?? {}, true);
    const call: ToolCall = { id: fakeId('call_'), type: 'function', function: { name: tool.function.name, arguments: JSON.stringify(isObj(args) ? args : {}) } };
    return { kind: 'tool', call };
  }
  const rf = req.response_format;
  if (rf?.type === 'json_schema') return { kind: 'text', content: JSON.stringify(sampleFromSchema(rf.json_schema?.schema ?? {}, false)), finish: 'stop' };
  const lastUser = [...(req.messages ?? [])].reverse().find((m) => m?.role === 'user');
  // Frameworks that ask for JSON in the prompt alone (Spring AI's entity(), LangChain4j's AI services) get it.
  const instructed = jsonFromInstructions(messages.map((m) => contentText(m?.content)).join('\n'));
  if (instructed) return { kind: 'text', content: instructed, finish: 'stop' };
  const reply = `Fake reply to: ${contentText(lastUser?.content)}`;
  if (rf?.type === 'json_object') return { kind: 'text', content: JSON.stringify({ reply }), finish: 'stop' };
  return truncate(reply, req.max_completion_tokens ?? req.max_tokens);
}

const SAMPLE_BY_TYPE: Record<string, unknown> = { string: 'sample', integer: 1, int: 1, long: 1, double: 1.5, float: 1.5, number: 1.5, boolean: true };

/**
 * JSON a prompt asks for, as a model would follow it: a JSON Schema in a fenced block ("Here is the JSON Schema
 * instance your output must adhere to: ```{...}```"), or a field list ("answer strictly in the following JSON
 * format: { "title": (type: string), ... }"). Null when the prompt asks for neither.
 */
function jsonFromInstructions(prompt: string): string | null {
  const fenced = /```(?:json)?\s*(\{[\s\S]*?\})\s*```/.exec(prompt);
  if (fenced) {
    try {
      const schema = JSON.parse(fenced[1]!) as Record<string, unknown>;
      if (schema.type === 'object' || schema.properties) return JSON.stringify(sampleFromSchema(schema, false));
    } catch {
      // not a schema: fall through
    }
  }
  const format = /JSON format:\s*(\{[\s\S]*\})/.exec(prompt);
  if (!format) return null;
  const fields = [...format[1]!.matchAll(/"(\w+)"\s*:\s*\(type:\s*([\w.]+)/g)];
  if (fields.length === 0) return null;
  return JSON.stringify(Object.fromEntries(fields.map(([, name, type]) => [name, SAMPLE_BY_TYPE[type!.toLowerCase()] ?? 'sample'])));
}

/** One "token" per word, so max_tokens yields finish_reason "length" predictably. */
function truncate(text: string, limit: number | null | undefined): { kind: 'text'; content: string; finish: 'stop' | 'length' } {
  const words = text.match(/\s*\S+/g) ?? [];
  if (limit == null || words.length <= limit) return { kind: 'text', content: text, finish: 'stop' };
  return { kind: 'text', content: words.slice(0, Math.max(0, limit)).join(''), finish: 'length' };
}

export function chatUsage(req: ChatRequest, plan: ChatPlan): Usage {
  const chars = (req.messages ?? []).reduce((n, m) => n + contentText(m?.content).length, 0);
  const out = plan.kind === 'tool' ? plan.call.function.arguments : plan.content;
  const limit = plan.kind === 'text' && plan.finish === 'length' ? wordsOf(plan.content) : Infinity;
  return usageOf(Math.ceil(chars / 4) + 3, Math.min(wordsOf(out) + 1, limit));
}

export function chatCompletionBody(req: ChatRequest, model: string): ChatCompletion {
  const plan = planChat(req);
  const message = plan.kind === 'tool'
    ? { role: 'assistant' as const, content: null, tool_calls: [plan.call], refusal: null, annotations: [] }
    : { role: 'assistant' as const, content: plan.content, refusal: null, annotations: [] };
  return {
    id: fakeId('chatcmpl-'), object: 'chat.completion', created: now(), model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.kind === 'tool' ? 'tool_calls' : plan.finish }],
    usage: chatUsage(req, plan), service_tier: 'default', system_fingerprint: FINGERPRINT,
  };
}

export function chatStreamEvents(req: ChatRequest, model: string): string[] {
  const plan = planChat(req);
  const withUsage = req.stream_options?.include_usage === true;
  const base = { id: fakeId('chatcmpl-'), object: 'chat.completion.chunk' as const, created: now(), model, service_tier: 'default', system_fingerprint: FINGERPRINT };
  const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): string =>
    sseData({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) });
  const events: string[] = [];
  if (plan.kind === 'tool') {
    const { id, type, function: fn } = plan.call;
    events.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: '' } }], refusal: null }));
    for (const piece of fragments(fn.arguments)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    events.push(chunk({}, 'tool_calls'));
  } else {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const piece of fragments(plan.content)) events.push(chunk({ content: piece }));
    events.push(chunk({}, plan.finish));
  }
  if (withUsage) events.push(sseData({ ...base, choices: [], usage: chatUsage(req, plan) }));
  events.push(SSE_DONE);
  return events;
}

function promptList(prompt: PromptInput | undefined): string[] {
  if (prompt === undefined || prompt === null) return [''];
  if (typeof prompt === 'string') return [prompt];
  if (prompt.length === 0) return [''];
  if (typeof prompt[0] === 'number') return [`[${prompt.length} tokens]`];
  return (prompt as Array<string | number[]>).map((p) => (typeof p === 'string' ? p : `[${p.length} tokens]`));
}

/** Legacy /completions: one choice per prompt; max_tokens defaults to 16 like OpenAI's. */
function planCompletion(req: CompletionRequest) {
  const prompts = promptList(req.prompt);
  const choices = prompts.map((p) => truncate(`Fake completion for: ${p}`, req.max_tokens ?? 16));
  const prompt = prompts.reduce((n, p) => n + tokensOf(p), 0);
  const completion = choices.reduce((n, c) => n + wordsOf(c.content), 0);
  return { choices, usage: usageOf(prompt, completion) };
}

export function completionBody(req: CompletionRequest, model: string): Completion {
  const { choices, usage } = planCompletion(req);
  return {
    id: fakeId('cmpl-'), object: 'text_completion', created: now(), model,
    choices: choices.map((c, index) => ({ text: c.content, index, logprobs: null, finish_reason: c.finish })),
    usage,
  };
}

export function completionStreamEvents(req: CompletionRequest, model: string): string[] {
  const { choices, usage } = planCompletion(req);
  const withUsage = req.stream_options?.include_usage === true;
  const base = { id: fakeId('cmpl-'), object: 'text_completion', created: now() };
  const events: string[] = [];
  choices.forEach((c, index) => {
    const pieces = fragments(c.content);
    if (pieces.length === 0) pieces.push('');
    pieces.forEach((text, i) => {
      // Legacy streams put finish_reason on the last text chunk rather than an empty trailer.
      const finish = i === pieces.length - 1 ? c.finish : null;
      events.push(sseData({ ...base, choices: [{ text, index, logprobs: null, finish_reason: finish }], model, ...(withUsage ? { usage: null } : {}) }));
    });
  });
  if (withUsage) events.push(sseData({ ...base, choices: [], model, usage }));
  events.push(SSE_DONE);
  return events;
}

/** Raw little-endian float32 bytes, base64 — what OpenAI returns for encoding_format "base64". */
export function floatsToBase64(values: number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(view.buffer).toString('base64');
}

/** Deterministic unit vector seeded by FNV-1a of the input. Components are float32-rounded so the
 * float and base64 encodings of the same input decode to identical numbers. */
export function fakeVector(key: string, dims: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  const raw: number[] = [];
  for (let i = 0; i < dims; i++) {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    raw.push(h / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

/** Returns null when the input is missing/empty so the caller can answer 400 like OpenAI. */
export function embeddingsBody(req: EmbeddingRequest, model: string): EmbeddingResponse | null {
  const input = req.input;
  let items: Array<string | number[]>;
  if (typeof input === 'string') items = [input];
  else if (!Array.isArray(input) || input.length === 0) return null;
  else if (typeof input[0] === 'number') items = [input as number[]];
  else items = input as Array<string | number[]>;
  const dims = typeof req.dimensions === 'number' && req.dimensions > 0 ? req.dimensions : 8;
  let tokens = 0;
  const data = items.map((item, index) => {
    tokens += typeof item === 'string' ? tokensOf(item) : item.length;
    const vec = fakeVector(typeof item === 'string' ? item : item.join(','), dims);
    return { object: 'embedding' as const, index, embedding: req.encoding_format === 'base64' ? floatsToBase64(vec) : vec };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export const FAKE_MODELS = [
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
  { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
];

/** Ready-made §5 quirk transcripts for `script({ sse })`, so gateway tests need not hand-write them. */
export const quirks = {
  /** DashScope: continuation deltas repeat id:"" + type, and a stray arguments:"" delta follows the finish chunk. */
  dashscopeToolCall(model = 'qwen-plus', name = 'get_weather', args = '{"city":"Paris"}'): string[] {
    const base = { id: 'chatcmpl-dashscope1', object: 'chat.completion.chunk', created: now(), model, system_fingerprint: null };
    const ev = (delta: unknown, finish: string | null = null) => sseData({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    return [
      ev({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_ds1', type: 'function', function: { name, arguments: '' } }] }),
      ...fragments(args).map((a) => ev({ tool_calls: [{ index: 0, id: '', type: 'function', function: { arguments: a } }] })),
      ev({}, 'tool_calls'),
      ev({ tool_calls: [{ index: 0, id: '', type: 'function', function: { arguments: '' } }] }),
      sseData({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } } }),
      SSE_DONE,
    ];
  },
  /** Moonshot: usage rides inside choices[0] of the finish chunk, not at top level. */
  moonshotUsageInChoice(model = 'moonshot-v1-8k', text = 'Hello there'): string[] {
    const base = { id: 'chatcmpl-moonshot1', object: 'chat.completion.chunk', created: now(), model };
    return [
      sseData({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
      ...fragments(text).map((c) => sseData({ ...base, choices: [{ index: 0, delta: { content: c }, finish_reason: null }] })),
      sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop', usage: { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 } }] }),
      SSE_DONE,
    ];
  },
  /** DeepSeek: `: keep-alive` comments while queued, reasoning_content first, usage on the finish chunk. */
  deepseekKeepAlive(model = 'deepseek-reasoner', text = 'Hello there'): string[] {
    const base = { id: 'deepseek-1', object: 'chat.completion.chunk', created: now(), model, system_fingerprint: 'fp_ds' };
    const ev = (delta: unknown, finish: string | null = null, usage: unknown = null) =>
      sseData({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage });
    return [
      ': keep-alive\n\n', ': keep-alive\n\n',
      ev({ role: 'assistant', content: null, reasoning_content: '' }),
      ev({ reasoning_content: 'Thinking.' }),
      ...fragments(text).map((c) => ev({ content: c })),
      ev({ content: '' }, 'stop', { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 12, completion_tokens_details: { reasoning_tokens: 2 } }),
      SSE_DONE,
    ];
  },
  /** Zhipu: finish_reason "sensitive" (→ content_filter), request_id instead of object. */
  zhipuSensitive(model = 'glm-4-flash', text = 'Partial answer'): string[] {
    const base = { id: '20240101-zhipu1', request_id: '20240101-zhipu1', created: now(), model };
    return [
      ...fragments(text).map((c, i) => sseData({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: c } : { content: c } }] })),
      sseData({ ...base, choices: [{ index: 0, finish_reason: 'sensitive', delta: { role: 'assistant', content: '' } }], usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 } }),
      SSE_DONE,
    ];
  },
};
