import type { ChatCompletion, Usage } from '../openai/types.ts';
import type { AnthropicMessage, AnthropicUsage, OutputBlock, StopReason } from './types.ts';

// OpenAI Chat Completions response (the pivot) → Anthropic Messages response. The pieces are shared with
// the stream translation (stream.ts), which must agree with this file on every mapping.

export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** Anthropic's stop_reason for an OpenAI finish_reason (design/providers.md §2.3, read backwards). */
export function mapStopReason(finish: string | null | undefined, matchedStop: string | null): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return matchedStop !== null ? 'stop_sequence' : 'end_turn';
  }
}

/**
 * The stop sequence that ended the answer, where the upstream says: OpenAI does not, but vLLM reports it as
 * `stop_reason` and SGLang as `matched_stop` on the choice. Only one of the client's own sequences counts.
 */
export function matchedStopSequence(choice: Record<string, unknown> | undefined, stops: readonly string[] | null | undefined): string | null {
  if (!choice || !stops || stops.length === 0) return null;
  for (const field of ['stop_reason', 'matched_stop']) {
    const v = choice[field];
    if (typeof v === 'string' && stops.includes(v)) return v;
  }
  return null;
}

/** OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens exclude cache reads. */
export function toAnthropicUsage(usage: Usage | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

/**
 * A tool call's arguments as Anthropic's `input` object. No-argument calls come as "" from several
 * upstreams; a model that produced something other than a JSON object gets `{}` rather than a block
 * Anthropic clients cannot type.
 */
export function parseToolInput(args: string | undefined): Record<string, unknown> {
  if (!args || !args.trim()) return {};
  try {
    const v: unknown = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface MessageOptions {
  /** The model to report when the upstream names none. */
  model: string;
  stopSequences?: readonly string[] | null;
  id?: string;
}

export function toAnthropicMessage(completion: ChatCompletion, opts: MessageOptions): AnthropicMessage {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const content: OutputBlock[] = [];
  // A refusal is what the model said, so the client sees it as text, with stop_reason "refusal".
  const refusal = typeof message?.refusal === 'string' && message.refusal ? message.refusal : null;
  const text = typeof message?.content === 'string' ? message.content : '';
  if (text) content.push({ type: 'text', text });
  else if (refusal) content.push({ type: 'text', text: refusal });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
  }
  const matched = matchedStopSequence(choice as Record<string, unknown> | undefined, opts.stopSequences);
  const stopReason = refusal && !text ? 'refusal' : mapStopReason(choice?.finish_reason, matched);
  return {
    id: opts.id ?? newMessageId(),
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' && completion.model ? completion.model : opts.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? matched : null,
    usage: toAnthropicUsage(completion.usage),
  };
}
