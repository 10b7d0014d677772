import type { EventSourceMessage } from 'eventsource-parser';
import type { JsonResult, ProviderAdapter, StreamResult, UpstreamCall } from '../../providers/types.ts';
import { DvaraError, toOpenAIErrorBody } from '../../server/errors.ts';
import { readChunkEvent, reframeStream } from '../reframe.ts';
import { DONE_EVENT, sseEvent } from './sse.ts';
import type { ChatCompletion, ChatRequest, Completion, CompletionRequest } from './types.ts';

// Legacy POST /v1/completions for providers that only have chat (Anthropic, Gemini, Bedrock, ...): the prompt
// becomes one user message, the answer's text the completion's text, the chunk stream text_completion chunks.

const refuse = (provider: string, param: string, what: string) =>
  new DvaraError('INVALID_REQUEST', `Provider ${provider} serves legacy completions through chat, which cannot honour ${what}`, { param });

function toChat(provider: string, req: CompletionRequest): ChatRequest {
  const prompt = Array.isArray(req.prompt) && req.prompt.length === 1 && typeof req.prompt[0] === 'string' ? req.prompt[0] : req.prompt;
  if (typeof prompt !== 'string') throw refuse(provider, 'prompt', 'token-id or multiple prompts (send one text prompt)');
  for (const p of ['suffix', 'echo', 'logprobs', 'best_of'] as const) {
    const v = req[p];
    if (v !== undefined && v !== null && v !== false && !(p === 'best_of' && v === 1)) throw refuse(provider, p, p);
  }
  const chat: ChatRequest = { model: req.model, messages: [{ role: 'user', content: prompt }] };
  for (const k of ['max_tokens', 'temperature', 'top_p', 'stop', 'n', 'seed', 'presence_penalty', 'frequency_penalty', 'user', 'stream'] as const) {
    if (req[k] !== undefined && req[k] !== null) (chat as Record<string, unknown>)[k] = req[k];
  }
  return chat;
}

function fromChat(c: ChatCompletion): Completion {
  return {
    id: c.id.replace(/^chatcmpl-/, 'cmpl-'),
    object: 'text_completion',
    created: c.created,
    model: c.model,
    choices: c.choices.map((ch) => ({ text: typeof ch.message.content === 'string' ? ch.message.content : '', index: ch.index, logprobs: null, finish_reason: ch.finish_reason })),
    usage: c.usage ?? null,
  };
}

function streamFromChat(source: StreamResult, traceId: string): StreamResult {
  const t = {
    out: [] as string[],
    ended: false,
    completed: false,
    onEvent(ev: EventSourceMessage) {
      if (t.ended) return;
      const e = readChunkEvent(ev);
      if (e?.kind === 'done') {
        t.out.push(DONE_EVENT);
        t.ended = t.completed = true;
      } else if (e?.kind === 'error') {
        t.out.push(sseEvent(toOpenAIErrorBody(e.error, traceId)));
        t.ended = true;
      } else if (e?.kind === 'chunk') {
        const c = e.chunk;
        const choices = (c.choices ?? []).map((ch) => ({ text: typeof ch.delta?.content === 'string' ? ch.delta.content : '', index: ch.index, logprobs: null, finish_reason: ch.finish_reason }));
        const out: Record<string, unknown> = { id: String(c.id ?? '').replace(/^chatcmpl-/, 'cmpl-'), object: 'text_completion', created: c.created, model: c.model, choices };
        if (c.usage !== undefined) out.usage = c.usage;
        t.out.push(sseEvent(out));
      }
    },
    onEnd() {
      if (t.ended) return;
      t.out.push(sseEvent(toOpenAIErrorBody(new DvaraError('PROVIDER_ERROR', 'The provider ended the stream before the answer was complete'), traceId)));
      t.ended = true;
    },
    onReadError() {
      t.onEnd();
    },
  };
  return reframeStream(source, t);
}

export async function completeViaChat(adapter: ProviderAdapter, req: CompletionRequest, call: UpstreamCall): Promise<JsonResult<Completion> | StreamResult> {
  const chat = toChat(adapter.name, req);
  // A chat body, not the client's completion bytes.
  const result = await adapter.chat({ ...chat, model: call.model }, { ...call, rawBody: undefined });
  if (result.kind === 'stream') return streamFromChat(result, call.traceId);
  const completion = (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as ChatCompletion;
  return { kind: 'json', body: fromChat(completion), usage: result.usage, model: result.model };
}
