import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../protocols/openai/types.ts';
import { DvaraError } from '../../server/errors.ts';
import { toolCallId } from './tool-ids.ts';
import type { Candidate, GenerateContentResponse, Part, ReplyShape, UsageMetadata } from './wire.ts';

// Gemini generateContent response → OpenAI chat.completion (providers.md 3.2).

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** Gemini's finishReason → OpenAI's; Gemini says STOP for function calls too, so the caller passes whether there were any. */
export function mapFinishReason(reason: string | undefined, calledTools: boolean): FinishReason | null {
  if (!reason) return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop'; // STOP, MALFORMED_FUNCTION_CALL, OTHER, FINISH_REASON_UNSPECIFIED
}

/** Thoughts are billed as output and counted inside totalTokenCount, so they belong in completion_tokens. */
export function toUsage(u: UsageMetadata | undefined): Usage | null {
  if (!u) return null;
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const thoughts = u.thoughtsTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokenCount ?? prompt + completion };
  usage.prompt_tokens_details = { cached_tokens: u.cachedContentTokenCount ?? 0 };
  if (thoughts > 0) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/** A prompt Gemini refused to answer at all: the client's 400 with the reason, never an empty answer. */
export function blockedPromptError(provider: string, r: GenerateContentResponse): DvaraError | null {
  const reason = r.promptFeedback?.blockReason;
  if (!reason || (r.candidates?.length ?? 0) > 0) return null;
  const why = r.promptFeedback?.blockReasonMessage ? `: ${r.promptFeedback.blockReasonMessage}` : '';
  return new DvaraError('INVALID_REQUEST', `Provider ${provider} (gemini) blocked the prompt (blockReason ${reason})${why}. Rephrase the request or adjust safety_settings.`, {
    param: 'messages',
  });
}

/** One function call part → an OpenAI tool call (ids minted, thought signatures carried in them). */
export function toToolCall(part: Part): ToolCall {
  const fc = part.functionCall!;
  return { id: toolCallId(fc.id, part.thoughtSignature), type: 'function', function: { name: fc.name, arguments: JSON.stringify(fc.args ?? {}) } };
}

function toChoice(c: Candidate, index: number, shape: ReplyShape): ChatCompletion['choices'][number] {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const part of c.content?.parts ?? []) {
    if (part.functionCall) toolCalls.push(toToolCall(part));
    else if (typeof part.text === 'string') {
      if (part.thought) reasoning += shape.reasoning ? part.text : '';
      else text += part.text;
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text || (toolCalls.length > 0 ? null : ''), refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return { index, message, logprobs: null, finish_reason: mapFinishReason(c.finishReason, toolCalls.length > 0) ?? 'stop' };
}

export function toChatCompletion(r: GenerateContentResponse, model: string, fallbackId: string, shape: ReplyShape): ChatCompletion {
  const candidates = r.candidates ?? [];
  return {
    id: r.responseId ? `chatcmpl-${r.responseId}` : fallbackId,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: r.modelVersion ?? model,
    // No candidate and no block reason: an empty answer is what Gemini gave.
    choices: (candidates.length > 0 ? candidates : [{ finishReason: 'STOP' }]).map((c, i) => toChoice(c, c.index ?? i, shape)),
    usage: toUsage(r.usageMetadata) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
