// Byte-level output of the fake Gemini upstream (gemini-upstream.ts), per providers.md 3.2-3.5: Google's two
// JSON styles (pretty-printed bodies; single-line stream events with a space after ':' and none after ','),
// both HTML-escaping < > &; SSE events framed `data: <json>\r\n\r\n`; the streamed JSON array that
// :streamGenerateContent returns without ?alt=sse; `{"error":{code,message,status,details}}` errors; and the
// response/chunk builders for a GeminiPlan. Zero counts are left out of usageMetadata, as proto3 JSON does.
import type { ScriptedReply } from './scripted-server.ts';
import type { GeminiPlan } from './gemini-plan.ts';

type Obj = Record<string, any>;

/** Google's front end escapes these even inside JSON strings; they never occur outside strings. */
const htmlEscape = (json: string) => json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function compact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : compact(x))).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${compact(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Serialises like Google: `pretty` (2-space indent) for whole bodies, else the single-line stream style. */
export function googleJson(v: unknown, pretty = true): string {
  return htmlEscape(pretty ? JSON.stringify(v, null, 2) : compact(v));
}

/** One SSE event exactly as Google frames it: `data: <json>\r\n\r\n`, no `event:` line. */
export function geminiSse(obj: unknown): string {
  return `data: ${googleJson(obj, false)}\r\n\r\n`;
}

/** The pieces of a streamed JSON array (no alt=sse), one write each: `[{...}`, `\r\n,{...}`, ..., `]`. */
export function jsonArrayPieces(objs: unknown[]): string[] {
  const pieces = objs.map((o, i) => `${i === 0 ? '[' : '\r\n,'}${googleJson(o)}`);
  return pieces.length === 0 ? ['[]'] : [...pieces, ']'];
}

const STATUS_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429, CANCELLED: 499, INTERNAL: 500, UNAVAILABLE: 503, DEADLINE_EXCEEDED: 504,
};

/** Google's error body. */
export function geminiError(code: number, status: string, message: string, details?: Obj[]): Obj {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** A scripted JSON answer, pretty-printed with Google's headers. */
export function jsonReply(body: unknown, status = 200): ScriptedReply {
  return { raw: googleJson(body), status, contentType: 'application/json; charset=UTF-8' };
}

/** A scripted error answer, e.g. errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota', [retryInfo('34s')]). */
export function errorReply(code: number, status: string, message: string, details?: Obj[]): ScriptedReply {
  return jsonReply(geminiError(code, status, message, details), code || STATUS_CODES[status] || 500);
}

export const retryInfo = (delay: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay });
export const badRequest = (violations: { field: string; description: string }[]) => ({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations });

/** A scripted SSE answer: objects become Google-framed events (strings are sent verbatim, e.g. a torn event).
 * `destroy` cuts the connection after the last event; `hangAfter` keeps it open. */
export function sseReply(
  events: Array<unknown>,
  extra: { delayMs?: number; destroy?: boolean; hangAfter?: boolean; status?: number; headers?: Record<string, string> } = {},
): ScriptedReply {
  const { headers, ...rest } = extra;
  return { sse: events.map((e) => (typeof e === 'string' ? e : geminiSse(e))), headers: { 'content-type': 'text/event-stream', ...headers }, ...rest };
}

/** How the last streamed chunk carries finishReason; real streams show all three. */
export type FinalChunkStyle = 'on-last' | 'empty-text' | 'no-parts';

export interface ReplyMeta {
  model: string;
  responseId: string;
  /** Vertex AI adds createTime and a traffic type. */
  vertex?: boolean;
}

export function usageMetadata(plan: GeminiPlan, candidatesTokens: number, thoughts = plan.thoughtsTokens): Obj {
  const out: Obj = {};
  const candidates = candidatesTokens * plan.candidateCount;
  if (plan.promptTokens) out.promptTokenCount = plan.promptTokens;
  if (candidates) out.candidatesTokenCount = candidates;
  out.totalTokenCount = plan.promptTokens + candidates + thoughts;
  const details = [{ modality: 'TEXT', tokenCount: plan.promptTokens - plan.images * 258 }];
  if (plan.images) details.push({ modality: 'IMAGE', tokenCount: plan.images * 258 });
  out.promptTokensDetails = details;
  if (thoughts) out.thoughtsTokenCount = thoughts;
  return out;
}

const SAFETY_CATEGORIES = ['HARM_CATEGORY_SEXUALLY_EXPLICIT', 'HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_DANGEROUS_CONTENT'];
const safetyRatings = () =>
  SAFETY_CATEGORIES.map((category) =>
    category === 'HARM_CATEGORY_DANGEROUS_CONTENT' ? { category, probability: 'HIGH', blocked: true } : { category, probability: 'NEGLIGIBLE' },
  );

function envelope(meta: ReplyMeta, body: Obj): Obj {
  return {
    ...body,
    modelVersion: meta.model,
    ...(meta.vertex ? { createTime: new Date().toISOString() } : {}),
    responseId: meta.responseId,
  };
}

function withVertexUsage(meta: ReplyMeta, usage: Obj): Obj {
  return meta.vertex ? { ...usage, trafficType: 'ON_DEMAND' } : usage;
}

function candidates(plan: GeminiPlan, c: Obj): Obj[] {
  return Array.from({ length: plan.candidateCount }, (_, index) => ({ ...c, index }));
}

function finishFields(plan: GeminiPlan, model: string): Obj {
  const out: Obj = { finishReason: plan.finishReason };
  if (plan.finishReason === 'SAFETY') out.safetyRatings = safetyRatings();
  if (model.startsWith('gemini-3') && plan.parts.some((p) => p.functionCall)) out.finishMessage = 'Model generated function call(s).';
  return out;
}

/** The non-streaming generateContent response. */
export function generateBody(plan: GeminiPlan, meta: ReplyMeta): Obj {
  const usage = withVertexUsage(meta, usageMetadata(plan, plan.candidatesTokens));
  if (plan.blocked) return envelope(meta, { promptFeedback: { blockReason: 'SAFETY', safetyRatings: safetyRatings() }, usageMetadata: usage });
  const content = plan.parts.length > 0 ? { content: { parts: plan.parts, role: 'model' } } : {};
  return envelope(meta, { candidates: candidates(plan, { ...content, ...finishFields(plan, meta.model) }), usageMetadata: usage });
}

/** The streamGenerateContent chunks: thought and text parts as deltas (a piece per event), each function
 * call whole in its own event, usageMetadata cumulative on every chunk, finishReason on the last. */
export function streamChunks(plan: GeminiPlan, meta: ReplyMeta, style: FinalChunkStyle, split: (text: string) => string[]): Obj[] {
  if (plan.blocked || plan.parts.length === 0) return [generateBody(plan, meta)];
  const chunks: Obj[] = [];
  let sent = 0;
  const push = (part: Obj, tokens: number) => {
    sent += tokens;
    const usage = withVertexUsage(meta, usageMetadata(plan, Math.min(sent, plan.candidatesTokens)));
    chunks.push(envelope(meta, { candidates: candidates(plan, { content: { parts: [part], role: 'model' } }), usageMetadata: usage }));
  };
  for (const part of plan.parts) {
    if (part.functionCall) push(part, 0);
    else if (part.thought) push(part, 0);
    else for (const piece of split(part.text as string)) push({ text: piece }, piece.trim() ? 1 : 0);
  }
  const usage = withVertexUsage(meta, usageMetadata(plan, plan.candidatesTokens));
  const finish = finishFields(plan, meta.model);
  if (style === 'on-last' || chunks.length === 0) {
    const last = chunks.pop() ?? envelope(meta, { candidates: candidates(plan, {}) });
    last.candidates = last.candidates.map((c: Obj) => ({ content: c.content, ...finish, index: c.index }));
    chunks.push({ ...last, usageMetadata: usage });
  } else {
    const content = style === 'empty-text' ? { parts: [{ text: '' }], role: 'model' } : { role: 'model' };
    chunks.push(envelope(meta, { candidates: candidates(plan, { content, ...finish }), usageMetadata: usage }));
  }
  return chunks;
}

/** A hand-made chunk for scripted streams, e.g. geminiSse(geminiChunk([{ text: 'Hi' }], { finishReason: 'STOP' })). */
export function geminiChunk(parts: Obj[] | null, opts: { finishReason?: string; usage?: Obj; model?: string; responseId?: string } = {}): Obj {
  const candidate: Obj = { content: parts ? { parts, role: 'model' } : { role: 'model' } };
  if (opts.finishReason) candidate.finishReason = opts.finishReason;
  candidate.index = 0;
  return {
    candidates: [candidate],
    usageMetadata: opts.usage ?? { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
    modelVersion: opts.model ?? 'gemini-2.5-flash',
    responseId: opts.responseId ?? 'fakeResponseId0001',
  };
}
