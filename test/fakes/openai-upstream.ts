// A fake OpenAI-compatible upstream for gateway tests: speaks OpenAI's wire format (bodies and SSE
// framing, see openai-wire.ts), records every request it receives, and can be scripted to misbehave
// (errors, provider quirk transcripts, hangs, cut connections, slow headers).
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from '../../src/protocols/openai/types.ts';
import {
  FAKE_MODELS, chatCompletionBody, chatStreamEvents, completionBody, completionStreamEvents,
  embeddingsBody, fakeId, openaiError,
} from './openai-wire.ts';
import { createResponsesFake } from './openai-responses.ts';
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from './scripted-server.ts';

export { SSE_DONE, floatsToBase64, openaiError, quirks, sseData } from './openai-wire.ts';
export { responseBody, responseStreamEvents, responsesErrorEvent, responsesEvent, type ResponsesPlan } from './openai-responses.ts';

export type { RecordedRequest, ScriptedReply } from './scripted-server.ts';
export type FakeUpstream = ScriptedServer;

export interface FakeOpenAIOptions {
  pathPrefix?: string; // default '/v1'
  chunkDelayMs?: number; // default 0 (events are still separate writes)
}

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeUpstream> {
  const prefix = (opts.pathPrefix ?? '/v1').replace(/\/+$/, '');
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  const responses = createResponsesFake(); // remembers stored responses for previous_response_id

  /** Behaviour when nothing is scripted: decided entirely by the request. */
  function defaultReply(rec: RecordedRequest): ScriptedReply {
    const p = rec.path;
    const invalidUrl: ScriptedReply = { status: 404, json: openaiError(`Invalid URL (${rec.method} ${p})`) };
    if (p.endsWith('/models') || p.startsWith(`${prefix}/models/`)) {
      if (rec.method !== 'GET') return invalidUrl;
      if (p.endsWith('/models')) return { json: { object: 'list', data: FAKE_MODELS } };
      const id = decodeURIComponent(p.slice(prefix.length + '/models/'.length));
      return { json: FAKE_MODELS.find((m) => m.id === id) ?? { id, object: 'model', created: 1700000000, owned_by: 'system' } };
    }
    const kind = p.endsWith('/chat/completions') ? 'chat' : p.endsWith('/completions') ? 'completions'
      : p.endsWith('/embeddings') ? 'embeddings' : p.endsWith('/responses') ? 'responses' : null;
    if (!kind || rec.method !== 'POST') return invalidUrl;
    const body = rec.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { status: 400, json: openaiError('We could not parse the JSON body of your request. (HINT: The OpenAI API expects a JSON payload.)') };
    }
    if (kind === 'responses') return responses.reply(body, chunkDelayMs);
    // Azure puts the deployment in the path and may omit `model` from the body.
    const model = typeof body.model === 'string' ? body.model : (/\/deployments\/([^/]+)\//.exec(p)?.[1] ?? 'gpt-4o-mini');
    const streamed = body.stream === true;
    const sse = (events: string[]): ScriptedReply => ({ sse: events, delayMs: chunkDelayMs });
    if (kind === 'chat') {
      if (!Array.isArray(body.messages)) {
        return { status: 400, json: openaiError("Missing required parameter: 'messages'.", 'invalid_request_error', 'messages', 'missing_required_parameter') };
      }
      const req = body as ChatRequest;
      return streamed ? sse(chatStreamEvents(req, model)) : { json: chatCompletionBody(req, model) };
    }
    if (kind === 'completions') {
      const req = body as CompletionRequest;
      return streamed ? sse(completionStreamEvents(req, model)) : { json: completionBody(req, model) };
    }
    const emb = embeddingsBody(body as EmbeddingRequest, model);
    return emb ? { json: emb } : { status: 400, json: openaiError("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error', 'input') };
  }

  return startScriptedServer({
    chunkDelayMs,
    baseHeaders: () => ({ 'x-request-id': fakeId('req_') }),
    defaultReply,
    crashBody: (err) => openaiError(`fake upstream crashed: ${String(err)}`, 'server_error'),
  });
}
