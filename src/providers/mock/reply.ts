// What the mock "model" says. Everything is a pure function of the request, so tests, demos and caches see the same
// answer every time; only ids and `created` would differ between two identical requests, and the ids don't.
import type { ChatMessage, ChatRequest, CompletionRequest, FunctionTool, ToolCall, ToolChoice } from '../../protocols/openai/types.ts';
import { embeddingInputs } from '../../protocols/openai/embeddings.ts';
import { sampleFromSchema } from './json-schema-sample.ts';
import { contentText, estimateTokens } from './tokens.ts';

export type MockFinish = 'stop' | 'length' | 'tool_calls';

export interface MockChoice {
  index: number;
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: MockFinish;
}

export interface MockCompletionChoice {
  index: number;
  /** The prompt itself when `echo: true`, else ''. Not billed as completion. */
  echo: string;
  text: string;
  finishReason: 'stop' | 'length';
}

const ECHO_CHARS = 200;
/** OpenAI's documented default for /v1/completions, which is why short legacy answers end in "length". */
const LEGACY_MAX_TOKENS = 16;

export function buildChatChoices(req: ChatRequest): MockChoice[] {
  return Array.from({ length: choiceCount(req.n) }, (_, i) => chatChoice(req, i));
}

function chatChoice(req: ChatRequest, index: number): MockChoice {
  const userText = lastText(req.messages, 'user');
  const last = req.messages.at(-1);
  // After a tool result under "auto", answer in text: calling the tool again would loop an agent demo forever.
  const afterTool = last?.role === 'tool' && (req.tool_choice === undefined || req.tool_choice === 'auto');
  const tools = req.tools ?? [];
  if (tools.length > 0 && req.tool_choice !== 'none' && !afterTool) {
    const tool = pickTool(tools, req.tool_choice);
    const schema = tool.function.parameters ?? { type: 'object', properties: {} };
    const args = JSON.stringify(sampleFromSchema(schema, { hint: hintFrom(userText) }) ?? {});
    const id = `call_${deterministicId(`${index}:${tool.function.name}:${args}:${userText}`)}`;
    return { index, content: null, toolCalls: [{ id, type: 'function', function: { name: tool.function.name, arguments: args } }], finishReason: 'tool_calls' };
  }

  const said = afterTool
    ? `Mock reply from Dvara after the tool returned: "${clip(contentText(last?.content), ECHO_CHARS)}"`
    : userText
      ? `Mock reply from Dvara to: "${clip(userText, ECHO_CHARS)}"`
      : 'Mock reply from Dvara.';
  const format = req.response_format;
  let text = said;
  if (format?.type === 'json_schema') {
    text = JSON.stringify(sampleFromSchema(format.json_schema.schema ?? { type: 'object' }, { hint: hintFrom(userText) }));
  } else if (format?.type === 'json_object') {
    text = JSON.stringify({ reply: said });
  }
  const limited = limitText(text, req.stop, req.max_completion_tokens ?? req.max_tokens);
  return { index, content: limited.text, toolCalls: [], finishReason: limited.finish };
}

function pickTool(tools: FunctionTool[], choice: ToolChoice | undefined): FunctionTool {
  const named = typeof choice === 'object' ? tools.find((t) => t.function.name === choice.function.name) : undefined;
  // Non-empty is checked by the caller; an unknown named tool falls back to the first rather than failing the demo.
  return named ?? (tools[0] as FunctionTool);
}

export function buildCompletionChoices(req: CompletionRequest): MockCompletionChoice[] {
  const prompts = embeddingInputs(req.prompt);
  const n = choiceCount(req.n);
  const limit = typeof req.max_tokens === 'number' ? req.max_tokens : LEGACY_MAX_TOKENS;
  const stop = typeof req.stop === 'string' || Array.isArray(req.stop) ? (req.stop as string | string[]) : undefined;
  const out: MockCompletionChoice[] = [];
  (prompts.length > 0 ? prompts : ['']).forEach((prompt, p) => {
    const shown = typeof prompt === 'string' ? prompt : `<${prompt.length} tokens>`;
    const limited = limitText(` Mock completion for: "${clip(shown, ECHO_CHARS)}"`, stop, limit);
    // Choices are grouped by prompt, n per prompt, as OpenAI orders them.
    for (let j = 0; j < n; j++) {
      out.push({ index: p * n + j, echo: req.echo === true ? shown : '', text: limited.text, finishReason: limited.finish });
    }
  });
  return out;
}

/** Completion tokens of a choice: what the stream emits for it (content, then each call's name and arguments). */
export function choiceTokens(choice: MockChoice): number {
  return estimateTokens((choice.content ?? '') + choice.toolCalls.map((c) => c.function.name + c.function.arguments).join(''));
}

/** Cuts at the first stop sequence, then at `maxTokens` estimated tokens (finish "length" only if that cut bites). */
export function limitText(
  text: string,
  stop: string | string[] | null | undefined,
  maxTokens: number | null | undefined,
): { text: string; finish: 'stop' | 'length' } {
  let out = text;
  for (const s of typeof stop === 'string' ? [stop] : (stop ?? [])) {
    const at = s ? out.indexOf(s) : -1;
    if (at >= 0) out = out.slice(0, at);
  }
  if (typeof maxTokens === 'number' && maxTokens >= 0 && estimateTokens(out) > maxTokens) {
    return { text: safeSlice(out, maxTokens * 4), finish: 'length' };
  }
  return { text: out, finish: 'stop' };
}

function choiceCount(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) ? Math.min(128, Math.max(1, Math.floor(n))) : 1;
}

function lastText(messages: readonly ChatMessage[], role: ChatMessage['role']): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === role) return contentText(m.content).trim();
  }
  return '';
}

const PLACE_KEY = /city|location|place|town|country|region|destination|origin|address/i;
const TEXT_KEY = /^(q|query|search|search_?query|question|prompt|text|message|input|topic|keywords?)$/i;

/** Fills tool arguments from the user's words, so `get_weather` for "weather in Paris?" gets {"city":"Paris"}. */
function hintFrom(userText: string): (key: string) => string | undefined {
  return (key) => {
    if (PLACE_KEY.test(key)) return placeWord(userText);
    if (TEXT_KEY.test(key) && userText) return clip(userText, 100);
    return undefined;
  };
}

function placeWord(text: string): string | undefined {
  const words = text.match(/\p{L}[\p{L}\p{M}'’-]*/gu) ?? [];
  const proper = words.slice(1).find((w) => /^\p{Lu}/u.test(w) && w !== 'I');
  if (proper) return proper;
  const afterPreposition = /\b(?:in|at|for|from|near|to)\s+(\p{L}[\p{L}\p{M}'’-]*)/iu.exec(text);
  return afterPreposition?.[1];
}

/** At most `max` code points, with an ellipsis when cut; never splits a surrogate pair. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

function safeSlice(text: string, units: number): string {
  const out = text.slice(0, units);
  const last = out.charCodeAt(out.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? out.slice(0, -1) : out;
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, fast, and stable across runs and platforms. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a seeded PRNG in [0, 1), so vectors and ids are reproducible from a hash. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function deterministicId(seed: string, length = 24): string {
  const rand = seededRandom(hashString(seed));
  let id = '';
  for (let i = 0; i < length; i++) id += BASE62[Math.floor(rand() * 62)];
  return id;
}
