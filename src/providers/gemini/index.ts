import type { ProviderConfig } from '../../config/schema.ts';
import { fetchMedia, remoteImageUrls } from '../media.ts';
import type { ProviderAdapter } from '../types.ts';
import { callDeadline, readUpstreamJson } from '../upstream-call.ts';
import { isGeminiFileUri } from './contents.ts';
import { embed } from './embeddings.ts';
import { providerErrorFromEvent } from './errors.ts';
import { toGeminiRequest } from './request.ts';
import { blockedPromptError, toChatCompletion } from './response.ts';
import { translateStream } from './stream.ts';
import { compileUpstream, postGemini } from './upstream.ts';
import type { GenerateContentResponse } from './wire.ts';

type GeminiConfig = Extract<ProviderConfig, { type: 'gemini' }>;

/** Listed by GET /v1/models when the config gives none; any gemini-* name routes here anyway. */
const DEFAULT_MODELS = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'text-embedding-004', 'gemini-embedding-001'];

/** The adapter for Google Gemini (Generative Language API, or Vertex AI): OpenAI chat and embeddings translated both ways. */
export function createGeminiAdapter(name: string, config: GeminiConfig): ProviderAdapter {
  const up = compileUpstream(name, config);
  return {
    name,
    type: 'gemini',
    models: config.models ?? DEFAULT_MODELS,

    async chat(req, call) {
      const urls = remoteImageUrls(req.messages, isGeminiFileUri);
      const media = urls.size > 0 ? await fetchMedia(urls, call.signal) : new Map();
      const { body, shape } = toGeminiRequest(req, call.model, { provider: name, safetySettings: up.safetySettings }, media);
      const deadline = callDeadline(up, call);
      const stream = req.stream === true;
      const res = await postGemini(up, call.model, stream ? 'streamGenerateContent' : 'generateContent', JSON.stringify(body), call, deadline);
      if (stream) return translateStream(up, res, call, deadline, shape, body.generationConfig?.candidateCount ?? 1);
      const r = await readUpstreamJson<GenerateContentResponse>(up, res, call, deadline);
      if (r.error) throw providerErrorFromEvent(name, r.error, up.redact);
      const blocked = blockedPromptError(name, r);
      if (blocked) throw blocked;
      const completion = toChatCompletion(r, call.model, `chatcmpl-${call.traceId}`, shape);
      return { kind: 'json', body: completion, usage: completion.usage ?? null, model: completion.model };
    },

    embed: (req, call) => embed(up, req, call),
  };
}
