import type { ChatCompletion, Completion, EmbeddingResponse } from '../../protocols/openai/types.ts';
import { encodeEmbeddings } from '../../protocols/openai/embeddings.ts';
import type { ProviderAdapter } from '../types.ts';
import { chatBody, completionBody, embeddingBody } from './request.ts';
import { readJsonBody } from './response.ts';
import { relayStream } from './stream.ts';
import { Deadline, postJson, type Upstream } from './upstream.ts';

/**
 * The adapter for OpenAI and every OpenAI-compatible provider: the inbound body is forwarded with the
 * model rewritten, streams are relayed event by event, and preset quirks are normalised on the way.
 */
export function createOpenAIAdapter(up: Upstream, type: string, models: readonly string[]): ProviderAdapter {
  return {
    name: up.name,
    type,
    models,

    async chat(req, call) {
      const deadline = new Deadline(up.timeoutMs, call.signal);
      const res = await postJson(up, 'chat/completions', chatBody(req, call.model, up.preset), call, deadline);
      if (req.stream) return relayStream(up, res, call, deadline);
      const r = await readJsonBody<ChatCompletion>(up, res, call, deadline);
      return { kind: 'json', body: r.body, usage: r.usage, model: r.parsed.model };
    },

    async complete(req, call) {
      const deadline = new Deadline(up.timeoutMs, call.signal);
      const res = await postJson(up, 'completions', completionBody(req, call.model, up.preset), call, deadline);
      if (req.stream) return relayStream(up, res, call, deadline);
      const r = await readJsonBody<Completion>(up, res, call, deadline);
      return { kind: 'json', body: r.body, usage: r.usage, model: r.parsed.model };
    },

    async embed(req, call) {
      const deadline = new Deadline(up.timeoutMs, call.signal);
      const { body, encodeLocally } = embeddingBody(req, call.model, up.preset);
      const res = await postJson(up, 'embeddings', body, call, deadline);
      const r = await readJsonBody<EmbeddingResponse>(up, res, call, deadline);
      return {
        kind: 'json',
        body: encodeLocally ? encodeEmbeddings(r.parsed, 'base64') : r.body,
        usage: r.usage,
        model: r.parsed.model,
      };
    },
  };
}
