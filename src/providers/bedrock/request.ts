import type { ChatRequest, FunctionTool, ToolChoice as OpenAIToolChoice } from '../../protocols/openai/types.ts';
import type { MediaCache } from '../media.ts';
import { traitsOf, type FamilyTraits } from './families.ts';
import { toConverseMessages } from './messages.ts';
import { refuse, type ConverseRequest, type ReplyShape, type ToolChoice, type ToolSpec } from './wire.ts';

// OpenAI ChatRequest → Converse body (providers.md 4.1). Converse rejects unknown fields, so every field is
// mapped, dropped where no model behind Converse has it and the answer is unaffected (seed, penalties), or
// refused with a 400 naming it.

export interface ConversePlan {
  body: ConverseRequest;
  shape: ReplyShape;
}

const MAX_STOPS = 4;
const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 1024, medium: 2048, high: 4096 };
const ANY_OBJECT = { type: 'object' };

function refuseUnsupported(provider: string, req: ChatRequest): void {
  if (typeof req.n === 'number' && req.n > 1) throw refuse(provider, 'n', 'n > 1 (one choice per request)');
  if (req.logprobs === true) throw refuse(provider, 'logprobs', 'logprobs');
  if (typeof req.top_logprobs === 'number' && req.top_logprobs > 0) throw refuse(provider, 'top_logprobs', 'top_logprobs');
  if (req.logit_bias && typeof req.logit_bias === 'object' && Object.keys(req.logit_bias).length > 0) throw refuse(provider, 'logit_bias', 'logit_bias');
  if (req.functions != null || req.function_call != null) throw refuse(provider, 'functions', 'legacy functions/function_call (use tools)');
}

function toolSpec(name: string, description: string | undefined, schema: Record<string, unknown>): ToolSpec {
  return { toolSpec: description ? { name, description, inputSchema: { json: schema } } : { name, inputSchema: { json: schema } } };
}

function toToolChoice(choice: OpenAIToolChoice | undefined): ToolChoice | undefined {
  if (choice === 'required') return { any: {} };
  if (choice && typeof choice === 'object') return { tool: { name: choice.function.name } };
  if (choice === 'auto') return { auto: {} };
  return undefined;
}

/**
 * Tools: the client's own, plus a permissive spec for any tool the history used but this turn no longer offers,
 * since Converse refuses toolUse/toolResult history without a toolConfig (providers.md 4.8). Converse has no
 * tool_choice "none": with tool history the tools stay declared (Converse requires it) and the model is left to
 * answer; without it they are not sent at all.
 */
function toolConfig(req: ChatRequest, historyTools: Set<string>, traits: FamilyTraits, provider: string, model: string): ConverseRequest['toolConfig'] | undefined {
  const forced = req.tool_choice === 'required' || (typeof req.tool_choice === 'object' && req.tool_choice !== null);
  if (forced && req.tools?.length && !traits.forcedTools) throw refuse(provider, 'tool_choice', `tool_choice "required" or a named function on ${model} (Converse lets it choose tools itself only)`);
  const offered: readonly FunctionTool[] = req.tools ?? [];
  const none = req.tool_choice === 'none';
  if ((offered.length === 0 || none) && historyTools.size === 0) return undefined;
  const tools = offered.map((t) => toolSpec(t.function.name, t.function.description, t.function.parameters ?? ANY_OBJECT));
  const declared = new Set(offered.map((t) => t.function.name));
  for (const name of historyTools) if (!declared.has(name)) tools.push(toolSpec(name, undefined, ANY_OBJECT));
  const choice = none ? undefined : toToolChoice(req.tool_choice);
  return choice ? { tools, toolChoice: choice } : { tools };
}

/** JSON output rides on a forced tool whose input is the answer, as on Anthropic (Converse has no JSON mode). */
function withJsonTool(provider: string, body: ConverseRequest, req: ChatRequest, reasoning: boolean, model: string, traits: FamilyTraits): string | null {
  const rf = req.response_format;
  if (!rf || rf.type === 'text') return null;
  if (!traits.forcedTools) throw refuse(provider, 'response_format', `JSON response_format on ${model} (it rides on a forced tool, which this model family cannot take)`);
  // Claude refuses forced tool use with thinking on, and the JSON answer rides on a forced tool.
  if (reasoning) throw refuse(provider, 'response_format', 'JSON response_format together with reasoning_effort');
  const tools = body.toolConfig?.tools ?? [];
  const name = tools.some((t) => t.toolSpec.name === 'json') ? 'json_response' : 'json';
  const schema = rf.type === 'json_schema' ? (rf.json_schema.schema ?? ANY_OBJECT) : ANY_OBJECT;
  const description = rf.type === 'json_schema' && rf.json_schema.description ? rf.json_schema.description : 'Give the final answer as a JSON object, by calling this tool.';
  const onlyJson = tools.length === 0 || req.tool_choice === 'none';
  // With client tools the model must call one of them or the json tool: under "auto" it could answer in plain
  // text, which is not the JSON asked for. A client tool forced by name stays forced.
  const forced = body.toolConfig?.toolChoice;
  const choice: ToolChoice = onlyJson ? { tool: { name } } : forced && 'tool' in forced ? forced : { any: {} };
  body.toolConfig = { tools: [...tools, toolSpec(name, description, schema)], toolChoice: choice };
  return name;
}

/** reasoning_effort → extended thinking, for the Claude models behind Converse (their own request field). */
function withThinking(provider: string, body: ConverseRequest, req: ChatRequest, model: string, traits: FamilyTraits): boolean {
  const effort = req.reasoning_effort;
  if (typeof effort !== 'string' || effort === 'none') return false;
  if (!traits.thinking) throw refuse(provider, 'reasoning_effort', `reasoning_effort on ${model} (Claude models only)`);
  const budget = THINKING_BUDGET[effort];
  if (budget === undefined) throw refuse(provider, 'reasoning_effort', `reasoning_effort "${effort}"`);
  const inference = (body.inferenceConfig ??= {});
  inference.maxTokens = Math.max(inference.maxTokens ?? 0, budget + 1024);
  delete inference.temperature; // Claude refuses a temperature with thinking on
  delete inference.topP;
  body.additionalModelRequestFields = { ...body.additionalModelRequestFields, thinking: { type: 'enabled', budget_tokens: budget } };
  return true;
}

export function toConverseRequest(req: ChatRequest, model: string, provider: string, media: MediaCache): ConversePlan {
  refuseUnsupported(provider, req);
  const traits = traitsOf(model);
  const { system, messages, historyTools } = toConverseMessages(provider, req.messages, media);
  if (messages.length === 0) throw refuse(provider, 'messages', 'a conversation with no user or assistant content (system text alone)');
  const body: ConverseRequest = { messages };
  if (system.length > 0) body.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') inference.maxTokens = max;
  if (typeof req.temperature === 'number') inference.temperature = Math.min(req.temperature, 1); // Converse runs 0-1
  if (typeof req.top_p === 'number') inference.topP = req.top_p;
  if (req.stop != null) {
    const stops = typeof req.stop === 'string' ? [req.stop] : req.stop;
    if (stops.length > MAX_STOPS) throw refuse(provider, 'stop', `more than ${MAX_STOPS} stop sequences`);
    if (stops.length > 0) inference.stopSequences = stops;
  }
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (typeof req.top_k === 'number') {
    if (!traits.topK) throw refuse(provider, 'top_k', `top_k on ${model}`);
    body.additionalModelRequestFields = traits.topK(req.top_k);
  }

  const tools = toolConfig(req, historyTools, traits, provider, model);
  if (tools) body.toolConfig = tools;
  const reasoning = withThinking(provider, body, req, model, traits);
  const jsonTool = withJsonTool(provider, body, req, reasoning, model, traits);
  // Bedrock's own fields, for clients that send them as extras (extra_body).
  for (const key of ['guardrailConfig', 'performanceConfig'] as const) if (req[key] && typeof req[key] === 'object') body[key] = req[key] as Record<string, unknown>;
  return { body, shape: { jsonTool, reasoning } };
}
