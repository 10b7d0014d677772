import type { ChatRequest, FunctionTool, ToolChoice } from '../../protocols/openai/types.ts';
import { toAnthropicMessages } from './messages.ts';
import { refuse, type AnthropicRequest, type AnthropicTool, type AnthropicToolChoice, type ReplyShape } from './wire.ts';

// OpenAI ChatRequest → Anthropic Messages body (providers.md 2.2). Unlike the OpenAI-compatible adapter
// nothing is forwarded blindly: Anthropic rejects unknown fields, so every field is mapped, or refused with
// a 400 naming it when the result would silently differ from what the client asked for.

export interface RequestDefaults {
  provider: string;
  defaultMaxTokens: number;
}

export interface AnthropicPlan {
  body: AnthropicRequest;
  shape: ReplyShape;
}

/** Output limits of models whose limit is below a typical configured default (Anthropic 400s above it). */
export function outputCap(model: string): number | undefined {
  if (/^claude-3-(opus|sonnet|haiku)/.test(model)) return 4096;
  if (model.startsWith('claude-3-5-')) return 8192;
  if (/^claude-opus-4(-[01])?(-\d{8})?$/.test(model)) return 32000;
  return undefined;
}

/** OpenAI's reasoning effort → an extended-thinking budget (Anthropic's minimum is 1024). */
const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 1024, medium: 2048, high: 4096 };

function refuseUnsupported(provider: string, req: ChatRequest): void {
  if (typeof req.n === 'number' && req.n > 1) throw refuse(provider, 'n', 'n > 1 (one choice per request)');
  if (req.logprobs === true) throw refuse(provider, 'logprobs', 'logprobs');
  if (typeof req.top_logprobs === 'number' && req.top_logprobs > 0) throw refuse(provider, 'top_logprobs', 'top_logprobs');
  if (req.logit_bias && typeof req.logit_bias === 'object' && Object.keys(req.logit_bias).length > 0) {
    throw refuse(provider, 'logit_bias', 'logit_bias');
  }
  if (req.functions != null || req.function_call != null) throw refuse(provider, 'functions', 'legacy functions/function_call (use tools)');
}

function toTools(tools: readonly FunctionTool[]): AnthropicTool[] {
  return tools.map((t) => {
    const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
    if (t.function.description) tool.description = t.function.description;
    const cache = (t as { cache_control?: unknown }).cache_control;
    if (cache !== undefined) tool.cache_control = cache;
    return tool;
  });
}

function toToolChoice(choice: ToolChoice | undefined | null, parallel: boolean | undefined | null): AnthropicToolChoice | undefined {
  if (choice === 'none') return { type: 'none' };
  const single = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'required') return { type: 'any', ...single };
  if (choice && typeof choice === 'object') return { type: 'tool', name: choice.function.name, ...single };
  if (choice === 'auto' || parallel === false) return { type: 'auto', ...single };
  return undefined;
}

/**
 * JSON output has no native switch on every Claude model, so it rides on a tool: the schema becomes a tool's
 * input_schema and the model is made to call it; its input is returned as the message content (the approach
 * of vercel/ai's Anthropic provider). With client tools too, the model must call one of them or answer via it.
 */
function withJsonTool(body: AnthropicRequest, req: ChatRequest, provider: string, reasoning: boolean): string | null {
  const rf = req.response_format;
  if (!rf || rf.type === 'text') return null;
  if (reasoning) throw refuse(provider, 'response_format', 'JSON response_format together with extended thinking (reasoning_effort/thinking)');
  const taken = new Set((body.tools ?? []).map((t) => t.name));
  const name = taken.has('json') ? 'json_response' : 'json';
  const schema = rf.type === 'json_schema' ? (rf.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
  const description =
    rf.type === 'json_schema' && rf.json_schema.description ? rf.json_schema.description : 'Give the final answer as a JSON object, by calling this tool.';
  body.tools = [...(body.tools ?? []), { name, description, input_schema: schema }];
  const single = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const named = body.tool_choice?.type === 'tool';
  if (taken.size === 0 || body.tool_choice?.type === 'none') body.tool_choice = { type: 'tool', name };
  else if (!named) body.tool_choice = { type: 'any', ...single };
  return name;
}

/** `reasoning_effort`, or Anthropic's own `thinking` object sent as an extra field, turns extended thinking on. */
function withThinking(body: AnthropicRequest, req: ChatRequest, explicitMax: number | undefined, provider: string): boolean {
  const own = req.thinking;
  if (own && typeof own === 'object') {
    body.thinking = own as Record<string, unknown>;
    return (own as { type?: unknown }).type !== 'disabled';
  }
  const effort = req.reasoning_effort;
  if (typeof effort !== 'string' || effort === 'none') return false;
  let budget = THINKING_BUDGET[effort];
  if (budget === undefined) throw refuse(provider, 'reasoning_effort', `reasoning_effort "${effort}"`);
  if (explicitMax === undefined) {
    body.max_tokens += budget; // room to think on top of the answer's own default
  } else {
    if (explicitMax <= 1024) throw refuse(provider, 'max_tokens', 'reasoning_effort with max_tokens of 1024 or less (thinking needs more)');
    budget = Math.min(budget, explicitMax - 1);
  }
  body.thinking = { type: 'enabled', budget_tokens: budget };
  return true;
}

export function toAnthropicRequest(req: ChatRequest, model: string, d: RequestDefaults): AnthropicPlan {
  const provider = d.provider;
  refuseUnsupported(provider, req);
  const { system, messages } = toAnthropicMessages(provider, req.messages);
  const explicitMax = req.max_completion_tokens ?? req.max_tokens ?? undefined;
  const body: AnthropicRequest = { model, max_tokens: explicitMax ?? Math.min(d.defaultMaxTokens, outputCap(model) ?? Infinity), messages };
  if (system.length > 0) body.system = system;

  if (req.stop != null) {
    const stops = typeof req.stop === 'string' ? [req.stop] : req.stop;
    if (stops.length > 0) body.stop_sequences = stops;
  }
  // OpenAI's temperature runs 0-2, Anthropic's 0-1: above 1 is as random as Anthropic goes.
  if (typeof req.temperature === 'number') body.temperature = Math.min(req.temperature, 1);
  // top_p 1 is a no-op, and newer Claude models refuse temperature and top_p together.
  if (typeof req.top_p === 'number' && req.top_p < 1) body.top_p = req.top_p;
  if (typeof req.top_k === 'number') body.top_k = req.top_k;
  if (typeof req.user === 'string' && req.user) body.metadata = { user_id: req.user };

  if (req.tools?.length) {
    body.tools = toTools(req.tools);
    const choice = toToolChoice(req.tool_choice, req.parallel_tool_calls);
    if (choice) body.tool_choice = choice;
  }
  const reasoning = withThinking(body, req, explicitMax, provider);
  const jsonTool = withJsonTool(body, req, provider, reasoning);
  if (req.stream === true) body.stream = true;
  return { body, shape: { jsonTool, reasoning } };
}
