// The offline provider: answers any model name with deterministic replies, so the README demo, the tests and a
// laptop without provider keys exercise the whole gateway (routing, streaming, usage, budgets) for real.
import type { ProviderConfig } from '../../config/schema.ts';
import type { ChatChunk, ChatCompletion, Completion, EmbeddingResponse, Usage } from '../../protocols/openai/types.ts';
import { embeddingInputs, encodeEmbeddings } from '../../protocols/openai/embeddings.ts';
import { DONE_EVENT, encodeSse, sseEvent } from '../../protocols/openai/sse.ts';
import { ProviderError } from '../errors.ts';
import type { JsonResult, ProviderAdapter, StreamResult, UsageReport } from '../types.ts';
import {
  buildChatChoices,
  buildCompletionChoices,
  choiceTokens,
  deterministicId,
  hashString,
  seededRandom,
  type MockChoice,
  type MockCompletionChoice,
} from './reply.ts';
import { estimateTokens, makeUsage, promptTokens } from './tokens.ts';

export type MockConfig = Extract<ProviderConfig, { type: 'mock' }>;

const DEFAULT_MODELS = ['echo', 'chat', 'embed', 'gpt-4o-mini-mock'];
const FINGERPRINT = 'fp_dvara_mock';
/** OpenAI streams tool arguments in small fragments; clients must reassemble them, so the mock makes them. */
const ARG_FRAGMENT_CHARS = 8;
/** Long "words" (compact JSON has few spaces) are cut so structured output still streams visibly. */
const MAX_PIECE_CHARS = 16;

export function createMockAdapter(name: string, config: MockConfig): ProviderAdapter {
  const delay = config.chunk_delay ?? 0;
  return {
    name,
    type: 'mock',
    free: true,
    models: config.models ?? DEFAULT_MODELS,

    async chat(req, call) {
      call.signal.throwIfAborted();
      const choices = buildChatChoices(req);
      const prompt = promptTokens(req.messages, req.tools);
      const usage = makeUsage(prompt, choices.reduce((sum, c) => sum + choiceTokens(c), 0));
      const id = `chatcmpl-mock-${deterministicId(call.model + JSON.stringify(req.messages))}`;
      const created = Math.floor(Date.now() / 1000);
      if (req.stream === true) {
        const head = { id, object: 'chat.completion.chunk' as const, created, model: call.model, system_fingerprint: FINGERPRINT };
        const frames = chatFrames(choices, head, call.includeUsage, usage);
        return pacedStream(frames, delay, call.signal, (tokens) => makeUsage(prompt, tokens), usage);
      }
      const body: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model: call.model,
        choices: choices.map((c) => ({
          index: c.index,
          message: { role: 'assistant', content: c.content, ...(c.toolCalls.length > 0 ? { tool_calls: c.toolCalls } : {}), refusal: null },
          logprobs: null,
          finish_reason: c.finishReason,
        })),
        usage,
        system_fingerprint: FINGERPRINT,
      };
      return { kind: 'json', body, usage, model: call.model };
    },

    async complete(req, call) {
      call.signal.throwIfAborted();
      const choices = buildCompletionChoices(req);
      const prompt = embeddingInputs(req.prompt).reduce((sum, p) => sum + inputTokens(p), 0);
      const usage = makeUsage(prompt, choices.reduce((sum, c) => sum + estimateTokens(c.text), 0));
      const id = `cmpl-mock-${deterministicId(call.model + JSON.stringify(req.prompt))}`;
      const head = { id, object: 'text_completion' as const, created: Math.floor(Date.now() / 1000), model: call.model };
      if (req.stream === true) {
        const frames = completionFrames(choices, { ...head, system_fingerprint: FINGERPRINT }, call.includeUsage, usage);
        return pacedStream(frames, delay, call.signal, (tokens) => makeUsage(prompt, tokens), usage);
      }
      const body: Completion = {
        ...head,
        choices: choices.map((c) => ({ text: c.echo + c.text, index: c.index, logprobs: null, finish_reason: c.finishReason })),
        usage,
        system_fingerprint: FINGERPRINT,
      };
      return { kind: 'json', body, usage, model: call.model };
    },

    async embed(req, call): Promise<JsonResult<EmbeddingResponse>> {
      call.signal.throwIfAborted();
      const inputs = embeddingInputs(req.input);
      if (inputs.length === 0 || inputs.some((i) => i.length === 0)) {
        throw clientError(name, "'input' must be a non-empty string or token array (or a non-empty list of them).", 'input');
      }
      const dims = req.dimensions ?? (call.model.includes('3-large') ? 3072 : 1536);
      if (!Number.isInteger(dims) || dims < 1 || dims > 8192) {
        throw clientError(name, "'dimensions' must be an integer between 1 and 8192.", 'dimensions');
      }
      const tokens = inputs.reduce((sum, i) => sum + inputTokens(i), 0);
      const floats: EmbeddingResponse = {
        object: 'list',
        data: inputs.map((item, index) => ({ object: 'embedding', index, embedding: mockVector(item, dims) })),
        model: call.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
      return { kind: 'json', body: encodeEmbeddings(floats, req.encoding_format), usage: makeUsage(tokens, 0), model: call.model };
    },
  };
}

function clientError(provider: string, message: string, param: string): ProviderError {
  return new ProviderError({ provider, failureClass: 'client', code: 'INVALID_REQUEST', status: 400, message, param });
}

function inputTokens(item: string | number[]): number {
  return typeof item === 'string' ? estimateTokens(item) : item.length;
}

/** Same input, same vector; unit length so cosine similarity and dot product agree, as with OpenAI's vectors. */
function mockVector(item: string | number[], dims: number): number[] {
  const rand = seededRandom(hashString(typeof item === 'string' ? `s:${item}` : `t:${item.join(',')}`));
  const v = Array.from({ length: dims }, () => rand() * 2 - 1);
  const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0)) || 1;
  // Rounded to float32 so the float and base64 encodings carry the same numbers.
  return v.map((x) => Math.fround(x / norm));
}

/** One SSE event, with the completion tokens emitted once it is out (for partial usage on abort). */
interface Frame {
  data: string;
  tokens: number;
}

type ChatHead = Omit<ChatChunk, 'choices' | 'usage'>;
type Delta = ChatChunk['choices'][number]['delta'];

function chatFrames(choices: MockChoice[], head: ChatHead, includeUsage: boolean, usage: Usage): Frame[] {
  const frames: Frame[] = [];
  const emitted = choices.map(() => '');
  const tokens = () => emitted.reduce((sum, t) => sum + estimateTokens(t), 0);
  const push = (index: number, delta: Delta, finish: string | null = null) => {
    const chunk = { ...head, choices: [{ index, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) };
    frames.push({ data: sseEvent(chunk), tokens: tokens() });
  };
  choices.forEach((c, pos) => {
    if (c.toolCalls.length === 0) {
      push(c.index, { role: 'assistant', content: '', refusal: null });
      for (const piece of textPieces(c.content ?? '')) {
        emitted[pos] += piece;
        push(c.index, { content: piece });
      }
    }
    c.toolCalls.forEach((tc, k) => {
      emitted[pos] += tc.function.name;
      const opening = { index: k, id: tc.id, type: 'function' as const, function: { name: tc.function.name, arguments: '' } };
      // As OpenAI does, the role rides on the first tool-call delta rather than a content chunk of its own.
      push(c.index, k === 0 ? { role: 'assistant', content: null, tool_calls: [opening] } : { tool_calls: [opening] });
      for (const fragment of slices(tc.function.arguments, ARG_FRAGMENT_CHARS)) {
        emitted[pos] += fragment;
        push(c.index, { tool_calls: [{ index: k, function: { arguments: fragment } }] });
      }
    });
    push(c.index, {}, c.finishReason);
  });
  if (includeUsage) frames.push({ data: sseEvent({ ...head, choices: [], usage }), tokens: tokens() });
  frames.push({ data: DONE_EVENT, tokens: tokens() });
  return frames;
}

function completionFrames(
  choices: MockCompletionChoice[],
  head: Omit<Completion, 'choices' | 'usage'>,
  includeUsage: boolean,
  usage: Usage,
): Frame[] {
  const frames: Frame[] = [];
  let finished = 0;
  let emitted = 0;
  const push = (index: number, text: string, finish: string | null) => {
    const chunk = { ...head, choices: [{ text, index, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) };
    frames.push({ data: sseEvent(chunk), tokens: emitted });
  };
  for (const c of choices) {
    // The echoed prompt is not completion, so it moves no tokens.
    if (c.echo) push(c.index, c.echo, null);
    const pieces = textPieces(c.text);
    if (pieces.length === 0) pieces.push('');
    let sent = '';
    pieces.forEach((piece, k) => {
      sent += piece;
      emitted = finished + estimateTokens(sent);
      // finish_reason rides on the last text chunk, as in OpenAI's legacy stream.
      push(c.index, piece, k === pieces.length - 1 ? c.finishReason : null);
    });
    finished = emitted;
  }
  if (includeUsage) frames.push({ data: sseEvent({ ...head, choices: [], usage }), tokens: emitted });
  frames.push({ data: DONE_EVENT, tokens: emitted });
  return frames;
}

/** Word-sized pieces (a word plus the space after it) that concatenate back to exactly `text`. */
function textPieces(text: string): string[] {
  const words = text.match(/^\s*\S+\s*|\S+\s*/gu) ?? (text ? [text] : []);
  return words.flatMap((word) => slices(word, MAX_PIECE_CHARS));
}

/** Fixed-size slices by code point, so no SSE event carries half a surrogate pair. */
function slices(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * Emits `frames` one per pull, `delay` ms apart (no timers at all when 0). Stops on abort or cancel; the usage
 * promise then settles with what was emitted so far and partial: true. It never rejects.
 */
function pacedStream(frames: Frame[], delay: number, signal: AbortSignal, usageAt: (tokens: number) => Usage, final: Usage): StreamResult {
  let next = 0;
  let emitted = 0;
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let resolveUsage: (report: UsageReport) => void = () => {};
  const usage = new Promise<UsageReport>((resolve) => (resolveUsage = resolve));

  const settle = (partial: boolean) => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearTimeout(timer);
    wake?.();
    resolveUsage({ usage: partial ? usageAt(emitted) : final, partial });
  };
  const onAbort = () => {
    if (settled) return;
    settle(true);
    // Errors like an aborted fetch body would, so a reader sees the cut rather than a clean end.
    controller?.error(signal.reason);
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(c) {
      if (settled) return;
      if (delay > 0 && next > 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, delay);
        });
        timer = undefined;
        wake = undefined;
        if (settled) return;
      }
      const frame = frames[next++];
      if (!frame) return;
      c.enqueue(encodeSse(frame.data));
      emitted = frame.tokens;
      if (next >= frames.length) {
        settle(false);
        c.close();
      }
    },
    cancel() {
      settle(true);
    },
  });
  return { kind: 'stream', body, usage };
}
