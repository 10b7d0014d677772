import type { ProviderConfig } from '../../config/schema.ts';
import { fetchMedia, remoteImageUrls } from '../media.ts';
import type { ProviderAdapter } from '../types.ts';
import { callDeadline, readUpstreamJson } from '../upstream-call.ts';
import { embed } from './embeddings.ts';
import { toConverseRequest } from './request.ts';
import { toChatCompletion } from './response.ts';
import { translateStream } from './stream.ts';
import { compileUpstream, postBedrock } from './upstream.ts';
import type { ConverseResponse } from './wire.ts';

type BedrockConfig = Extract<ProviderConfig, { type: 'bedrock' }>;

/** Listed by GET /v1/models when the config gives none; any model id works through the `<provider>/` prefix. */
const DEFAULT_MODELS = [
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'anthropic.claude-3-haiku-20240307-v1:0',
  'amazon.nova-pro-v1:0',
  'amazon.nova-lite-v1:0',
  'meta.llama3-1-70b-instruct-v1:0',
  'mistral.mistral-large-2407-v1:0',
  'cohere.command-r-plus-v1:0',
  'amazon.titan-embed-text-v2:0',
  'cohere.embed-english-v3',
];

/** The adapter for AWS Bedrock: chat through the Converse API (SigV4-signed), embeddings through InvokeModel. */
export function createBedrockAdapter(name: string, config: BedrockConfig): ProviderAdapter {
  const up = compileUpstream(name, config);
  return {
    name,
    type: 'bedrock',
    models: config.models ?? DEFAULT_MODELS,

    async chat(req, call) {
      const urls = remoteImageUrls(req.messages);
      const media = urls.size > 0 ? await fetchMedia(urls, call.signal) : new Map();
      const { body, shape } = toConverseRequest(req, call.model, name, media);
      const deadline = callDeadline(up, call);
      const stream = req.stream === true;
      const res = await postBedrock(up, call.model, stream ? 'converse-stream' : 'converse', JSON.stringify(body), call, deadline);
      if (stream) return translateStream(up, res, call, deadline, shape);
      const r = await readUpstreamJson<ConverseResponse>(up, res, call, deadline);
      const completion = toChatCompletion(r, call.model, `chatcmpl-${call.traceId}`, shape);
      return { kind: 'json', body: completion, usage: completion.usage ?? null, model: call.model };
    },

    embed: (req, call) => embed(up, req, call),
  };
}
