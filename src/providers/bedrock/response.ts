import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../protocols/openai/types.ts';
import type { ConverseResponse, ConverseUsage, ReplyShape } from './wire.ts';

// Converse response → OpenAI chat.completion (providers.md 4.2).

/** Converse's stopReason → OpenAI's finish_reason. */
export function mapStopReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, malformed_*
  }
}

/** inputTokens exclude cache reads and writes; OpenAI's prompt_tokens count everything the model read. */
export function toUsage(u: ConverseUsage | undefined): Usage | null {
  if (!u) return null;
  const cacheRead = u.cacheReadInputTokens ?? 0;
  const prompt = (u.inputTokens ?? 0) + cacheRead + (u.cacheWriteInputTokens ?? 0);
  const completion = u.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
}

export function toChatCompletion(r: ConverseResponse, model: string, id: string, shape: ReplyShape): ChatCompletion {
  let text = '';
  let reasoning = '';
  let json: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of r.output?.message?.content ?? []) {
    if (typeof block.text === 'string') text += block.text;
    else if (block.toolUse) {
      const args = JSON.stringify(block.toolUse.input ?? {});
      if (block.toolUse.name === shape.jsonTool) json = args;
      else toolCalls.push({ id: block.toolUse.toolUseId, type: 'function', function: { name: block.toolUse.name, arguments: args } });
    } else if (block.reasoningContent?.reasoningText && shape.reasoning) reasoning += block.reasoningContent.reasoningText.text;
  }
  let finish = mapStopReason(r.stopReason);
  // The forced JSON tool is how the answer was delivered, not a call the client has to run.
  if (finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop';
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: json ?? (text || (toolCalls.length > 0 ? null : '')), refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: toUsage(r.usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
