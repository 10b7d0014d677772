import type { ChatRequest, FunctionTool, ToolChoice } from '../../protocols/openai/types.ts';
import type { MediaCache } from '../media.ts';
import { toGeminiContents } from './contents.ts';
import { toGeminiSchema } from './schema.ts';
import { requiresSignatures } from './tool-ids.ts';
import { refuse, type GeminiRequest, type GenerationConfig, type ReplyShape } from './wire.ts';

// OpenAI ChatRequest → Gemini generateContent body (providers.md 3.1). Gemini rejects unknown fields, so every
// field is mapped, dropped where it changes nothing the client can observe, or refused with a 400 naming it.

export interface GeminiPlan {
  body: GeminiRequest;
  shape: ReplyShape;
}

export interface RequestDefaults {
  provider: string;
  safetySettings?: unknown[];
}

/** Gemini accepts at most five stop sequences. */
const MAX_STOPS = 5;

/** reasoning_effort → Gemini 2.5's thinking budget (tokens); Gemini 3 takes a level instead. */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576 };

function refuseUnsupported(provider: string, req: ChatRequest): void {
  if (req.logprobs === true) throw refuse(provider, 'logprobs', 'logprobs');
  if (typeof req.top_logprobs === 'number' && req.top_logprobs > 0) throw refuse(provider, 'top_logprobs', 'top_logprobs');
  if (req.logit_bias && typeof req.logit_bias === 'object' && Object.keys(req.logit_bias).length > 0) throw refuse(provider, 'logit_bias', 'logit_bias');
  if (req.functions != null || req.function_call != null) throw refuse(provider, 'functions', 'legacy functions/function_call (use tools)');
}

function toTools(tools: readonly FunctionTool[]): GeminiRequest['tools'] {
  const functionDeclarations = tools.map((t) => {
    const decl: { name: string; description?: string; parameters?: Record<string, unknown> } = { name: t.function.name };
    if (t.function.description) decl.description = t.function.description;
    // A tool without arguments has no `parameters` at all: Gemini refuses an object schema with no properties.
    const parameters = t.function.parameters ? toGeminiSchema(t.function.parameters) : undefined;
    if (parameters) decl.parameters = parameters;
    return decl;
  });
  return [{ functionDeclarations }];
}

function toToolConfig(choice: ToolChoice | undefined): GeminiRequest['toolConfig'] {
  if (choice === undefined || choice === 'auto') return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

function thinkingConfig(provider: string, req: ChatRequest, model: string): GenerationConfig['thinkingConfig'] | undefined {
  const effort = req.reasoning_effort;
  if (typeof effort !== 'string') return undefined;
  if (!(effort in THINKING_BUDGET)) throw refuse(provider, 'reasoning_effort', `reasoning_effort "${effort}"`);
  if (/^gemini-(3|[4-9])/.test(model)) {
    return { thinkingLevel: effort === 'high' || effort === 'medium' ? 'high' : 'low', includeThoughts: true };
  }
  // 2.5 Pro cannot stop thinking ("Budget 0 is invalid"): "none" leaves it at its default there.
  if (effort === 'none') return /^gemini-2\.5-pro/.test(model) ? undefined : { thinkingBudget: 0 };
  return { thinkingBudget: THINKING_BUDGET[effort], includeThoughts: true };
}

function generationConfig(provider: string, req: ChatRequest, model: string): GenerationConfig {
  const g: GenerationConfig = {};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') g.maxOutputTokens = max;
  if (typeof req.temperature === 'number') g.temperature = req.temperature;
  if (typeof req.top_p === 'number') g.topP = req.top_p;
  if (typeof req.top_k === 'number') g.topK = req.top_k;
  if (typeof req.seed === 'number') g.seed = req.seed;
  if (typeof req.presence_penalty === 'number' && req.presence_penalty !== 0) g.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number' && req.frequency_penalty !== 0) g.frequencyPenalty = req.frequency_penalty;
  if (typeof req.n === 'number' && req.n > 1) g.candidateCount = req.n;
  if (req.stop != null) {
    const stops = typeof req.stop === 'string' ? [req.stop] : req.stop;
    if (stops.length > MAX_STOPS) throw refuse(provider, 'stop', `more than ${MAX_STOPS} stop sequences`);
    if (stops.length > 0) g.stopSequences = stops;
  }
  const rf = req.response_format;
  if (rf && rf.type !== 'text') {
    g.responseMimeType = 'application/json';
    const schema = rf.type === 'json_schema' && rf.json_schema.schema ? toGeminiSchema(rf.json_schema.schema) : undefined;
    if (schema) g.responseSchema = schema;
  }
  const thinking = thinkingConfig(provider, req, model);
  if (thinking) g.thinkingConfig = thinking;
  return g;
}

export function toGeminiRequest(req: ChatRequest, model: string, d: RequestDefaults, media: MediaCache): GeminiPlan {
  const provider = d.provider;
  refuseUnsupported(provider, req);
  const body: GeminiRequest = toGeminiContents(provider, req.messages, media, requiresSignatures(model));
  if (body.contents.length === 0) throw refuse(provider, 'messages', 'a conversation with no user or assistant content (system text alone)');
  const config = generationConfig(provider, req, model);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  // parallel_tool_calls has no Gemini switch; Gemini decides, as OpenAI does by default.
  if (req.tools?.length) {
    body.tools = toTools(req.tools);
    const toolConfig = toToolConfig(req.tool_choice);
    if (toolConfig) body.toolConfig = toolConfig;
  }
  // Gemini's own fields, for clients that send them as extras (extra_body); the config's defaults otherwise.
  const safety = req.safety_settings ?? req.safetySettings ?? d.safetySettings;
  if (Array.isArray(safety)) body.safetySettings = safety;
  if (typeof req.cached_content === 'string') body.cachedContent = req.cached_content;
  return { body, shape: { reasoning: config.thinkingConfig?.includeThoughts === true } };
}
