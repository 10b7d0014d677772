import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../protocols/openai/types.ts';
import type { AnthropicMessage, AnthropicUsage, ReplyShape } from './wire.ts';

// Anthropic message → OpenAI chat.completion (providers.md 2.3).

/** Anthropic's stop_reason → OpenAI's finish_reason. */
export function mapStopReason(reason: string | null | undefined): FinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

/**
 * Anthropic's input_tokens exclude cache reads and writes; OpenAI's prompt_tokens count everything the model
 * read, with cache hits also reported as cached_tokens.
 */
export function toUsage(u: AnthropicUsage | null | undefined): Usage | null {
  if (!u) return null;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0);
  const completion = u.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

export function toChatCompletion(msg: AnthropicMessage, shape: ReplyShape): ChatCompletion {
  let text = '';
  let reasoning = '';
  let json: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of msg.content ?? []) {
    if (block.type === 'text') text += block.text as string;
    else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {});
      if (block.name === shape.jsonTool) json = args;
      else toolCalls.push({ id: block.id as string, type: 'function', function: { name: block.name as string, arguments: args } });
    } else if (block.type === 'thinking' && shape.reasoning) reasoning += block.thinking as string;
    // redacted_thinking, server tool blocks and thinking the client did not ask for stay out of the answer
  }
  let finish = mapStopReason(msg.stop_reason);
  // The forced JSON tool is how the answer was delivered, not a call the client has to run.
  if (finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop';
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: json ?? (text || (toolCalls.length > 0 ? null : '')),
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    id: msg.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: toUsage(msg.usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
