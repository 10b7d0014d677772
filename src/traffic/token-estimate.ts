// Token estimates for reserving tokens-per-minute capacity before a request goes upstream. They only need to be
// close: the limiter reconciles against the provider's reported usage afterwards.
//
// Cost. The o200k_base tokenizer takes ~0.4 s and ~100 MB to load, so it loads lazily (`loadTokenizer`, or the
// first estimate starts it in the background): a server without token limits never pays for it. Until it has
// loaded, a character heuristic is used (ASCII chars / 4 + 1 per non-ASCII char, ~1 ns/char). Exact counting
// costs ~1.5 µs for a short chat and ~20 ns/char of English, but ~0.5 µs/char for random letters, ~1.5 µs/char
// for random CJK, and is quadratic on long unbroken runs (see hasLongRun). Hence the caps: only the first
// EXACT_CHARS characters of a request are tokenized, the rest is scaled by the tokens-per-char measured on them,
// and text with long runs is estimated. Worst case ~15 ms per request; ordinary prompts ~0.2 ms or less.

/** Per-message framing OpenAI adds (<|start|>role … <|end|>), and the assistant reply priming. */
const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
/** Per function definition and once per request with tools (the namespace wrapper), roughly. */
const PER_TOOL = 8;
const TOOLS_WRAPPER = 12;
/** OpenAI bills a low-detail image at 85 tokens; a 1024×1024 high/auto image at 765. Sizes are unknown here. */
const IMAGE_LOW = 85;
const IMAGE_HIGH = 765;
/** Characters per request counted exactly; beyond, scaled by the ratio measured on them. */
const EXACT_CHARS = 8_192;
/** Characters of exact counting needed before its ratio is trusted for the rest. */
const MIN_SAMPLE = 1_024;
/** Longest same-class run (letters, punctuation, spaces) handed to the tokenizer; see hasLongRun. */
const MAX_RUN = 256;
/** Nesting depth for content parts (tool results holding content holding…), against hostile bodies. */
const MAX_DEPTH = 4;

type Count = (text: string) => number;
// Module-owned cache of the loaded tokenizer (the only state here).
let exact: Count | null = null;
let loading: Promise<void> | null = null;

/** Loads o200k_base once; later estimates are exact. Rejects if the tokenizer cannot load (estimates stay heuristic). */
export function loadTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    // User text may contain special-token strings (<|endoftext|>); count them as text instead of throwing.
    const asText = { disallowedSpecial: new Set<string>() };
    exact = (s) => {
      try {
        return m.countTokens(s);
      } catch {
        return m.countTokens(s, asText);
      }
    };
  });
  return loading;
}

/** Past this many characters the rough count samples the text instead of reading every character. */
const SAMPLED_ABOVE = 65_536;
const SAMPLES = 8_192;

/** Rough count: English averages ~4 characters per token; non-ASCII (CJK, emoji) is closer to one per char. */
function roughCount(text: string, from = 0): number {
  const length = text.length - from;
  if (length > SAMPLED_ABOVE) {
    // A megabyte prompt must not cost milliseconds here: the share of ASCII from evenly spaced samples.
    const stride = Math.floor(length / SAMPLES);
    let ascii = 0;
    for (let i = from; i < text.length; i += stride) if (text.charCodeAt(i) < 0x80) ascii++;
    const share = ascii / Math.ceil(length / stride);
    return Math.ceil((length * share) / 4 + length * (1 - share));
  }
  let ascii = 0;
  let other = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii++;
    else if (c < 0xdc00 || c > 0xdfff) other++; // a surrogate pair counts once
  }
  return Math.ceil(ascii / 4) + other;
}

/** 0 space, 1 digit, 2 punctuation (ASCII, CJK, full-width), 3 letter (any other non-ASCII included). */
function charClass(c: number): number {
  if (c <= 0x20) return 0;
  if (c < 0x80) {
    if (c >= 0x30 && c <= 0x39) return 1;
    return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a ? 3 : 2;
  }
  return (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff65) ? 2 : 3;
}

/**
 * Byte-pair encoding is quadratic in the length of a pre-tokenized piece (a run of letters, of punctuation, of
 * spaces): 29k Chinese characters with no punctuation take ~2.7 s, 32k spaces ~0.4 s. Such text is estimated.
 */
function hasLongRun(text: string): boolean {
  let run = 0;
  let prev = -1;
  for (let i = 0; i < text.length; i++) {
    const k = charClass(text.charCodeAt(i));
    run = k === prev && k !== 1 ? run + 1 : 1;
    if (run > MAX_RUN) return true;
    prev = k;
  }
  return false;
}

class Tally {
  tokens = 0;
  private budget = EXACT_CHARS;
  private exactChars = 0;
  private exactTokens = 0;

  constructor(private readonly count: Count | null) {}

  text(s: unknown): void {
    if (typeof s !== 'string' || s.length === 0) return;
    const head = s.length <= this.budget ? s : this.budget >= MIN_SAMPLE ? s.slice(0, this.budget) : '';
    if (this.count === null || (head.length > 0 && hasLongRun(head))) {
      this.tokens += roughCount(s);
      return;
    }
    if (head.length > 0) {
      const n = this.count(head);
      this.budget -= head.length;
      this.exactChars += head.length;
      this.exactTokens += n;
      this.tokens += n;
    }
    // Past the budget, scale by the tokens-per-char seen so far in this request (same language, same kind of text).
    const rest = s.length - head.length;
    if (rest === 0) return;
    this.tokens += this.exactChars >= MIN_SAMPLE ? Math.ceil((rest * this.exactTokens) / this.exactChars) : roughCount(s, head.length);
  }

  json(v: unknown): void {
    if (v !== undefined && v !== null) this.text(typeof v === 'string' ? v : JSON.stringify(v));
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text parts, images, tool_use / tool_result blocks (Anthropic), input_text / input_image (Responses). */
function content(t: Tally, v: unknown, depth: number): void {
  if (typeof v === 'string') return t.text(v);
  if (!Array.isArray(v) || depth > MAX_DEPTH) return;
  for (const part of v) {
    if (typeof part === 'string') {
      t.text(part);
      continue;
    }
    if (!isObj(part)) continue;
    const type = part.type;
    if (type === 'image_url' || type === 'image' || type === 'input_image') {
      const img = isObj(part.image_url) ? part.image_url : part;
      t.tokens += img.detail === 'low' ? IMAGE_LOW : IMAGE_HIGH;
      continue;
    }
    t.text(part.text);
    if (type === 'tool_use') {
      t.text(part.name);
      t.json(part.input);
    }
    if (part.content !== undefined) content(t, part.content, depth + 1);
  }
}

function message(t: Tally, m: Obj): void {
  t.tokens += PER_MESSAGE;
  t.text(m.role);
  if (typeof m.name === 'string') {
    t.text(m.name);
    t.tokens += PER_NAME;
  }
  content(t, m.content, 0);
  t.text(m.tool_call_id);
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls) {
      const fn = isObj(call) && isObj(call.function) ? call.function : null;
      if (fn === null) continue;
      t.text(fn.name);
      t.text(fn.arguments);
      t.tokens += PER_MESSAGE;
    }
  }
}

/** Responses API items: messages, function calls and their outputs. */
function item(t: Tally, it: unknown): void {
  if (typeof it === 'string') return t.text(it);
  if (!isObj(it)) return;
  if (it.role !== undefined) return message(t, it);
  t.tokens += PER_MESSAGE;
  t.text(it.name);
  t.text(it.arguments);
  content(t, it.output, 0);
}

/** OpenAI `{type:'function', function:{…}}`, Responses' flattened form, Anthropic's `input_schema`. */
function tools(t: Tally, list: unknown): void {
  if (!Array.isArray(list) || list.length === 0) return;
  t.tokens += TOOLS_WRAPPER;
  for (const tool of list) {
    if (!isObj(tool)) continue;
    const fn = isObj(tool.function) ? tool.function : tool;
    t.tokens += PER_TOOL;
    t.text(fn.name);
    t.text(fn.description);
    t.json(fn.parameters ?? fn.input_schema);
  }
}

/** Token ids count as themselves; strings are tokenized. */
function inputs(t: Tally, v: unknown): void {
  if (typeof v === 'string') return t.text(v);
  if (!Array.isArray(v)) return;
  for (const x of v) {
    if (typeof x === 'number') t.tokens++;
    else if (typeof x === 'string') t.text(x);
    else if (Array.isArray(x)) t.tokens += x.length;
  }
}

/** A Responses body (input of items, or its own fields), as opposed to an embeddings body. */
function isResponses(b: Obj): boolean {
  if ('instructions' in b || 'max_output_tokens' in b || 'previous_response_id' in b) return true;
  return Array.isArray(b.input) && b.input.some(isObj);
}

/** Which kind of body: the caller knows it from the endpoint; without it the body's shape decides. */
export type BodyShape = 'chat' | 'completions' | 'embeddings' | 'responses';

function shapeOf(b: Obj): BodyShape {
  if (Array.isArray(b.messages)) return 'chat';
  if ('prompt' in b) return 'completions';
  return isResponses(b) ? 'responses' : 'embeddings';
}

/**
 * Prompt tokens of a chat (OpenAI or Anthropic messages), legacy completions, embeddings or Responses body:
 * message text and content parts, names, tool calls, tool definitions and system prompts, plus OpenAI's
 * per-message framing. Unknown shapes count 0. Starts loading the tokenizer on first use.
 */
export function estimatePromptTokens(body: unknown, shape?: BodyShape): number {
  if (exact === null && loading === null) loadTokenizer().catch(() => undefined);
  if (!isObj(body)) return 0;
  const t = new Tally(exact);
  switch (shape ?? shapeOf(body)) {
    case 'chat':
      for (const m of Array.isArray(body.messages) ? body.messages : []) if (isObj(m)) message(t, m);
      if (body.system !== undefined) {
        t.tokens += PER_MESSAGE;
        content(t, body.system, 0);
      }
      t.tokens += REPLY_PRIMING;
      break;
    case 'completions':
      inputs(t, body.prompt);
      break;
    case 'responses':
      if (body.instructions !== undefined) {
        t.tokens += PER_MESSAGE;
        t.text(body.instructions);
      }
      if (Array.isArray(body.input)) for (const it of body.input) item(t, it);
      else message(t, { role: 'user', content: body.input });
      t.tokens += REPLY_PRIMING;
      break;
    case 'embeddings':
      inputs(t, body.input);
  }
  tools(t, body.tools);
  return t.tokens;
}

const positive = (v: unknown): number | null => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? Math.ceil(v) : null);

/**
 * Completion tokens to reserve: max_completion_tokens ?? max_tokens ?? max_output_tokens ?? defaultMax, times
 * `n` choices; 0 for embeddings.
 */
export function estimateCompletionTokens(body: unknown, defaultMax = 1024, shape?: BodyShape): number {
  if (!isObj(body)) return 0;
  if ((shape ?? shapeOf(body)) === 'embeddings') return 0;
  const max = positive(body.max_completion_tokens) ?? positive(body.max_tokens) ?? positive(body.max_output_tokens) ?? defaultMax;
  return max * (positive(body.n) ?? 1);
}
