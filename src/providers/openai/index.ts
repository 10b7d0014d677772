import type { ChatCompletion, Completion, EmbeddingResponse } from '../../protocols/openai/types.ts';
import { encodeEmbeddings } from '../../protocols/openai/embeddings.ts';
import type { JsonResult, ProviderAdapter, StreamResult, UpstreamCall } from '../types.ts';
import { bodyText, chatBody, completionBody, embeddingBody, type Shaped } from './request.ts';
import { readJsonBody } from './response.ts';
import { nativeResponses } from './responses.ts';
import { relayStream } from './stream.ts';
import { callDeadline } from '../upstream-call.ts';
import { postJson, type OpenAIPath, type Upstream } from './upstream.ts';

/**
 * The adapter for OpenAI and every OpenAI-compatible provider: the inbound body is forwarded with the
 * model rewritten, streams are relayed event by event, and preset quirks are normalised on the way.
 */
export function createOpenAIAdapter(up: Upstream, type: string, models: readonly string[]): ProviderAdapter {
  /** Chat and legacy completions share one shape: JSON, or an SSE stream to relay. */
  async function generate<T extends { model: string }>(path: OpenAIPath, shaped: Shaped, call: UpstreamCall): Promise<JsonResult<T> | StreamResult> {
    const deadline = callDeadline(up, call);
    const res = await postJson(up, path, bodyText(shaped, call.rawBody), call, deadline);
    if (shaped.body.stream === true) return relayStream(up, res, call, deadline);
    const r = await readJsonBody<T>(up, res, call, deadline);
    return { kind: 'json', body: r.body, usage: r.usage, model: r.parsed.model };
  }

  const adapter: ProviderAdapter = {
    name: up.name,
    type,
    models,
    embedsTokenIds: up.preset.tokenInput === true,
    free: up.preset.free === true,
    chat: (req, call) => generate<ChatCompletion>('chat/completions', chatBody(req, call.model, up.preset), call),
    complete: (req, call) => generate<Completion>('completions', completionBody(req, call.model, up.preset), call),

    async embed(req, call) {
      const deadline = callDeadline(up, call);
      const shaped = embeddingBody(req, call.model, up.preset);
      const res = await postJson(up, 'embeddings', bodyText(shaped, call.rawBody), call, deadline);
      const r = await readJsonBody<EmbeddingResponse>(up, res, call, deadline);
      return {
        kind: 'json',
        body: shaped.encodeLocally ? encodeEmbeddings(r.parsed, 'base64') : r.body,
        usage: r.usage,
        model: r.parsed.model,
      };
    },
  };
  // Only OpenAI itself has the Responses API; compatible providers are served by translation.
  if (type === 'openai') adapter.responses = (req, call) => nativeResponses(up, req, call);
  return adapter;
}
