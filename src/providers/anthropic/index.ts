import type { ProviderConfig } from '../../config/schema.ts';
import type { ProviderAdapter } from '../types.ts';
import { ProviderError } from '../errors.ts';
import { callDeadline, readUpstreamText } from '../upstream-call.ts';
import { providerErrorFromEvent } from './errors.ts';
import { nativeCountTokens, nativeMessages } from './native.ts';
import { toAnthropicRequest } from './request.ts';
import { toChatCompletion } from './response.ts';
import { translateStream } from './stream.ts';
import { postJson, redactor, type AnthropicUpstream } from './upstream.ts';
import type { AnthropicMessage } from './wire.ts';

type AnthropicConfig = Extract<ProviderConfig, { type: 'anthropic' }>;

/** Five minutes to the first byte: long answers with extended thinking start late. */
const DEFAULT_TIMEOUT_MS = 300_000;

/** Listed by GET /v1/models when the config gives none; any claude-* name routes here anyway. */
const DEFAULT_MODELS = ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-20250514', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'claude-3-5-haiku-20241022'];

export function compileUpstream(name: string, config: AnthropicConfig): AnthropicUpstream {
  return {
    name,
    baseUrl: config.base_url.replace(/\/+$/, ''),
    timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
    headers: {
      'content-type': 'application/json',
      'x-api-key': config.api_key,
      'anthropic-version': config.anthropic_version,
      ...config.headers,
    },
    defaultMaxTokens: config.default_max_tokens,
    redact: redactor(config.api_key),
  };
}

/** The adapter for Anthropic's Messages API: OpenAI chat translated both ways, and the native passthrough. */
export function createAnthropicAdapter(name: string, config: AnthropicConfig): ProviderAdapter {
  const up = compileUpstream(name, config);
  return {
    name,
    type: 'anthropic',
    models: config.models ?? DEFAULT_MODELS,

    async chat(req, call) {
      const { body, shape } = toAnthropicRequest(req, call.model, { provider: name, defaultMaxTokens: up.defaultMaxTokens });
      const deadline = callDeadline(up, call);
      const res = await postJson(up, '/v1/messages', JSON.stringify(body), call, deadline);
      if (body.stream) return translateStream(up, res, call, deadline, shape);
      const text = await readUpstreamText(up, res, call, deadline);
      let msg: AnthropicMessage & { error?: unknown };
      try {
        msg = JSON.parse(text) as AnthropicMessage & { error?: unknown };
      } catch {
        throw new ProviderError({ provider: name, failureClass: 'transient', message: `Provider ${name} returned a body that is not JSON` });
      }
      if ((msg.type as string) === 'error') throw providerErrorFromEvent(name, msg.error, up.redact);
      const completion = toChatCompletion(msg, shape);
      return { kind: 'json', body: completion, usage: completion.usage ?? null, model: msg.model };
    },

    messages: (req, call) => nativeMessages(up, req, call),
    countTokens: (req, call) => nativeCountTokens(up, req, call),
  };
}
