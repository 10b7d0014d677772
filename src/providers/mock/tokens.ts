// A tokenizer-free estimate (~4 characters a token, OpenAI's rule of thumb): close enough for usage, budgets and
// rate limits to behave believably against the mock, and cheap enough to run per chunk.
import type { ChatMessage, ContentPart, FunctionTool, Usage } from '../../protocols/openai/types.ts';

/** OpenAI bills roughly this per message for the role and separators, plus a few to prime the reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** A low-detail image costs a flat 85 tokens at OpenAI; the mock never looks at the pixels. */
const IMAGE_TOKENS = 85;

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** The readable text of a message's content; non-text parts become placeholders such as "[image]". */
export function contentText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map(partText).join(' ');
}

function partText(part: ContentPart): string {
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  if (part.type === 'image_url') return '[image]';
  return `[${part.type}]`;
}

function contentTokens(content: ChatMessage['content']): number {
  if (content == null || typeof content === 'string') return estimateTokens(content ?? '');
  let total = 0;
  for (const part of content) total += part.type === 'image_url' ? IMAGE_TOKENS : estimateTokens(partText(part));
  return total;
}

export function promptTokens(messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  let total = REPLY_PRIMING;
  for (const m of messages) {
    total += PER_MESSAGE + contentTokens(m.content);
    if (typeof m.name === 'string') total += estimateTokens(m.name);
    for (const call of m.tool_calls ?? []) total += estimateTokens(call.function.name + call.function.arguments);
  }
  // Tool definitions are part of the prompt the model sees, so they are billed too.
  if (tools && tools.length > 0) total += estimateTokens(JSON.stringify(tools));
  return total;
}

/** OpenAI's usage shape, with the detail objects SDKs and dashboards read. */
export function makeUsage(prompt: number, completion: number): Usage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}
