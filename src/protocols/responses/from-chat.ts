import type { ChatCompletion, Usage } from '../openai/types.ts';
import { rememberItems } from './item-store.ts';
import type { OutputItem, ResponsesRequest, ResponsesUsage } from './types.ts';

// Chat Completions answer → a Response object, the shape OpenAI's SDKs and the Vercel AI SDK parse. The
// request's own settings are echoed back, as OpenAI does.

const hex = () => crypto.randomUUID().replaceAll('-', '');
export const newResponseId = () => `resp_${hex()}`;
export const newItemId = (prefix: 'msg' | 'fc') => `${prefix}_${hex()}`;

export function toResponsesUsage(u: Usage | null | undefined): ResponsesUsage | null {
  if (!u) return null;
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens,
  };
}

/** `length` and `content_filter` make a response incomplete; everything else completes it. */
export function incompleteReason(finish: string | null | undefined): 'max_output_tokens' | 'content_filter' | null {
  if (finish === 'length') return 'max_output_tokens';
  if (finish === 'content_filter') return 'content_filter';
  return null;
}

export interface Envelope {
  id: string;
  createdAt: number;
  model: string;
}

/** The Response object around `output`, echoing the request's settings. */
export function responseObject(
  req: ResponsesRequest,
  env: Envelope,
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed',
  output: OutputItem[],
  usage: ResponsesUsage | null,
  incomplete: string | null = null,
): Record<string, unknown> {
  return {
    id: env.id,
    object: 'response',
    created_at: env.createdAt,
    status,
    error: null,
    incomplete_details: incomplete ? { reason: incomplete } : null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: env.model,
    output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: req.temperature ?? 1,
    text: { format: req.text?.format ?? { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_p: req.top_p ?? 1,
    truncation: 'disabled',
    usage,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

export function toResponse(req: ResponsesRequest, completion: ChatCompletion): Record<string, unknown> {
  const choice = completion.choices[0];
  const output: OutputItem[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text) {
    output.push({ id: newItemId('msg'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
  }
  for (const call of choice?.message.tool_calls ?? []) {
    output.push({ id: newItemId('fc'), type: 'function_call', status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  rememberItems(output);
  const incomplete = incompleteReason(choice?.finish_reason);
  const env = { id: newResponseId(), createdAt: completion.created ?? Math.floor(Date.now() / 1000), model: completion.model };
  return responseObject(req, env, incomplete ? 'incomplete' : 'completed', output, toResponsesUsage(completion.usage), incomplete);
}
