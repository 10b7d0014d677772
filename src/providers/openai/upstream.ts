import type { Preset } from '../openai-compatible/presets.ts';
import type { UpstreamCall } from '../types.ts';
import { callHeaders, postUpstream, type Deadline } from '../upstream-call.ts';
import { providerErrorFromResponse } from './errors.ts';

export type OpenAIPath = 'chat/completions' | 'completions' | 'embeddings' | 'responses';

/** One configured OpenAI-compatible provider, compiled once at start. */
export interface Upstream {
  name: string;
  preset: Preset;
  timeoutMs: number;
  headers: Record<string, string>;
  url(path: OpenAIPath, model: string): string;
  /** Removes Dvara's own credentials from upstream text (some providers echo the key they rejected). */
  redact(text: string): string;
}

/** POSTs a JSON body; resolves once a 2xx response's headers arrive, otherwise throws a ProviderError. */
export function postJson(up: Upstream, path: OpenAIPath, body: string | Uint8Array, call: UpstreamCall, deadline: Deadline): Promise<Response> {
  return postUpstream(up, up.url(path, call.model), callHeaders(up.headers, call), body, call, deadline, (status, text, headers) =>
    providerErrorFromResponse(up.name, status, text, headers),
  );
}

export { upstreamFailure } from '../upstream-call.ts';
