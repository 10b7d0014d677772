// What the fake Gemini "model" answers, decided only by the (normalised, camelCase) request so tests can
// assert exact content and usage: function calls when tools are offered and not yet answered, "Tool results:
// ..." after a functionResponse, JSON from responseSchema/responseJsonSchema in JSON mode, else "You said:
// <last user text>". Trigger words: BLOCKME blocks the prompt (promptFeedback, no candidates), UNSAFEOUT
// stops the candidate with finishReason SAFETY and no content.
import { randomBytes } from 'node:crypto';
import { sampleFromSchema } from '../../src/providers/mock/json-schema-sample.ts';

type Obj = Record<string, any>;

export interface GeminiPlan {
  /** Prompt blocked: HTTP 200 with promptFeedback and no candidates. */
  blocked: boolean;
  /** The candidate's parts: an optional thought summary first, then text or functionCall parts. */
  parts: Obj[];
  finishReason: 'STOP' | 'MAX_TOKENS' | 'SAFETY';
  candidateCount: number;
  promptTokens: number;
  /** Tokens of the visible answer, per candidate. */
  candidatesTokens: number;
  thoughtsTokens: number;
  images: number;
}

export const THOUGHT_TEXT = '**Considering the request**\n\nLet me think about this.';
const IMAGE_TOKENS = 258; // what Gemini bills per image

const partsOf = (c: Obj | undefined): Obj[] => (Array.isArray(c?.parts) ? c.parts : []);
const textOf = (c: Obj | undefined) => partsOf(c).filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text as string).join(' ');
const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean).length;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Gemini's OpenAPI-subset Schema as JSON Schema, for sampling: lower-case types, and object keys in
 * propertyOrdering order — or alphabetical, which is what Gemini does when responseSchema gives none. */
export function schemaToJsonSchema(s: unknown, sortKeys: boolean): unknown {
  if (!isObj(s)) return s;
  const out: Obj = { ...s };
  if (typeof s.type === 'string') out.type = s.nullable ? [s.type.toLowerCase(), 'null'] : s.type.toLowerCase();
  if (isObj(s.properties)) {
    const order = Array.isArray(s.propertyOrdering) ? (s.propertyOrdering as string[]) : [];
    const keys = Object.keys(s.properties).sort((a, b) => rank(order, a, sortKeys) - rank(order, b, sortKeys) || (sortKeys ? a.localeCompare(b) : 0));
    out.properties = Object.fromEntries(keys.map((k) => [k, schemaToJsonSchema(s.properties[k], sortKeys)]));
  }
  if (s.items) out.items = schemaToJsonSchema(s.items, sortKeys);
  if (Array.isArray(s.anyOf)) out.anyOf = s.anyOf.map((a) => schemaToJsonSchema(a, sortKeys));
  return out;
}

function rank(order: string[], key: string, sortKeys: boolean): number {
  const at = order.indexOf(key);
  return at === -1 ? (sortKeys ? order.length : 0) : at;
}

/** Tokens the fake "reads": a quarter of the prompt's characters, images billed flat. */
function promptUsage(req: Obj): { tokens: number; images: number } {
  let images = 0;
  const contents = ((req.contents ?? []) as Obj[]).map((c) => ({
    ...c,
    parts: partsOf(c).map((p) => {
      if (!p.inlineData && !p.fileData) return p;
      images += 1;
      return { media: (p.inlineData ?? p.fileData).mimeType };
    }),
  }));
  const chars = JSON.stringify([contents, req.systemInstruction ?? {}, req.tools ?? []]).length;
  return { tokens: Math.ceil(chars / 4) + images * IMAGE_TOKENS, images };
}

/** Gemini 2.5 and 3 think by default (2.5 Flash-Lite only when given a budget); 2.5 Pro cannot stop. */
function thinking(req: Obj, model: string): { tokens: number; show: boolean } {
  const tc = (req.generationConfig?.thinkingConfig ?? {}) as Obj;
  const budget = tc.thinkingBudget as number | undefined;
  let thinks = /^gemini-(2\.5|3)/.test(model) && budget !== 0;
  if (model.includes('flash-lite')) thinks = budget !== undefined && budget !== 0;
  if (!thinks) return { tokens: 0, show: false };
  return { tokens: budget !== undefined && budget > 0 ? Math.min(24, budget) : 24, show: tc.includeThoughts === true };
}

/** A fresh signature, shaped like Gemini's (opaque base64). */
export const thoughtSignature = () => randomBytes(48).toString('base64');

function chooseCalls(req: Obj, userText: string): Obj[] {
  const fcc = (req.toolConfig?.functionCallingConfig ?? {}) as Obj;
  let decls = ((req.tools ?? []) as Obj[]).flatMap((t) => (t.functionDeclarations ?? []) as Obj[]);
  const allowed = fcc.allowedFunctionNames as string[] | undefined;
  if (allowed?.length) decls = decls.filter((d) => allowed.includes(d.name));
  const named = decls.filter((d) => userText.includes(d.name));
  return named.length > 0 ? named : decls.slice(0, 1);
}

function argsFor(decl: Obj): Obj {
  const schema = decl.parametersJsonSchema ?? schemaToJsonSchema(decl.parameters, false);
  const args = schema ? sampleFromSchema(schema) : {};
  return isObj(args) ? args : {};
}

function responseText(r: Obj): string {
  const v = r.content ?? r.output ?? r.result;
  return typeof v === 'string' ? v : JSON.stringify(r);
}

function answerText(req: Obj, last: Obj | undefined, images: number): string {
  const g = (req.generationConfig ?? {}) as Obj;
  const fr = partsOf(last).filter((p) => p.functionResponse);
  if (fr.length > 0) return `Tool results: ${fr.map((p) => responseText(p.functionResponse.response ?? {})).join('; ')}`;
  const said = `${images > 0 ? `I see ${images} image${images > 1 ? 's' : ''}. ` : ''}You said: ${textOf(last)}`;
  if (g.responseMimeType === 'text/x.enum') return String(g.responseSchema?.enum?.[0] ?? said);
  if (g.responseMimeType !== 'application/json') return said;
  const schema = g.responseJsonSchema ?? schemaToJsonSchema(g.responseSchema, true);
  return JSON.stringify(schema !== undefined ? sampleFromSchema(schema) : { text: said });
}

export function planReply(req: Obj, model: string): GeminiPlan {
  const contents = (req.contents ?? []) as Obj[];
  const last = [...contents].reverse().find((c) => c.role !== 'model');
  const prompt = promptUsage(req);
  const think = thinking(req, model);
  const everything = [...contents, req.systemInstruction].map(textOf).join(' ');
  const plan: GeminiPlan = {
    blocked: false, parts: [], finishReason: 'STOP', candidateCount: req.generationConfig?.candidateCount ?? 1,
    promptTokens: prompt.tokens, candidatesTokens: 0, thoughtsTokens: 0, images: prompt.images,
  };
  if (/\bBLOCKME\b/.test(everything)) return { ...plan, blocked: true };
  if (/\bUNSAFEOUT\b/.test(everything)) return { ...plan, finishReason: 'SAFETY', thoughtsTokens: think.tokens };
  plan.thoughtsTokens = think.tokens;
  if (think.show) plan.parts.push({ text: THOUGHT_TEXT, thought: true });

  const mode = (req.toolConfig?.functionCallingConfig?.mode ?? 'AUTO') as string;
  const answered = partsOf(last).some((p) => p.functionResponse);
  const calls = mode === 'NONE' || (answered && mode !== 'ANY') ? [] : chooseCalls(req, textOf(last));
  if (calls.length > 0) {
    // Gemini 2.x sends neither ids nor signatures; Gemini 3 signs the first call of a step only.
    calls.forEach((decl, i) => {
      const part: Obj = { functionCall: { name: decl.name, args: argsFor(decl) } };
      if (i === 0 && model.startsWith('gemini-3')) part.thoughtSignature = thoughtSignature();
      plan.parts.push(part);
    });
    plan.candidatesTokens = calls.reduce((n, d) => n + wordsOf(JSON.stringify(argsFor(d)).replace(/[{}":,]/g, ' ')) + 2, 0);
    return plan;
  }

  let text = answerText(req, last, prompt.images);
  for (const seq of (req.generationConfig?.stopSequences ?? []) as string[]) {
    const at = seq ? text.indexOf(seq) : -1;
    if (at !== -1) text = text.slice(0, at);
  }
  // One "token" per word, so maxOutputTokens cuts predictably.
  const words = text.match(/\s*\S+/g) ?? [];
  const max = req.generationConfig?.maxOutputTokens as number | undefined;
  if (max !== undefined && words.length > max) {
    text = words.slice(0, max).join('');
    plan.finishReason = 'MAX_TOKENS';
  }
  plan.parts.push({ text });
  plan.candidatesTokens = plan.finishReason === 'MAX_TOKENS' ? wordsOf(text) : wordsOf(text) + 1;
  return plan;
}
