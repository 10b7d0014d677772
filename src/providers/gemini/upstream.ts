import type { ProviderConfig } from '../../config/schema.ts';
import type { UpstreamCall } from '../types.ts';
import { callHeaders, postUpstream, type Deadline } from '../upstream-call.ts';
import { providerErrorFromResponse } from './errors.ts';

type GeminiConfig = Extract<ProviderConfig, { type: 'gemini' }>;

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents';

/** One configured Gemini provider, compiled once at start. */
export interface GeminiUpstream {
  name: string;
  timeoutMs: number;
  headers: Record<string, string>;
  /** `{model}:{method}` URL; streaming asks for SSE (without alt=sse Gemini streams one JSON array). */
  url(model: string, method: GeminiMethod): string;
  safetySettings?: unknown[];
  redact(text: string): string;
}

/** Five minutes to the first byte: thinking models start late. */
const DEFAULT_TIMEOUT_MS = 300_000;

/** Google API keys (AIza...) and bearer tokens (ya29...) are masked even when they are not ours. */
const KEY_LIKE = /\b(?:AIza[0-9A-Za-z_-]{20,}|ya29\.[0-9A-Za-z._-]{10,})/g;

function redactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((t, s) => t.replaceAll(s, '[redacted]'), text.replace(KEY_LIKE, '[redacted]'));
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

export function compileUpstream(name: string, config: GeminiConfig): GeminiUpstream {
  const { vertex } = config;
  let prefix: string;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (vertex) {
    // Vertex AI: regional host (the global location has none), publisher model path, OAuth bearer token.
    const host = vertex.location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${vertex.location}-aiplatform.googleapis.com`;
    const root = config.base_url === 'https://generativelanguage.googleapis.com' ? host : trimSlash(config.base_url);
    prefix = `${root}/v1/projects/${encodeURIComponent(vertex.project)}/locations/${encodeURIComponent(vertex.location)}/publishers/google/models/`;
    headers.authorization = `Bearer ${vertex.access_token}`;
  } else {
    const base = trimSlash(config.base_url);
    prefix = `${/\/v\d+(alpha|beta)?\d*$/.test(base) ? base : `${base}/${config.api_version}`}/models/`;
    headers['x-goog-api-key'] = config.api_key ?? '';
  }
  return {
    name,
    timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
    headers: { ...headers, ...config.headers },
    url: (model, method) => `${prefix}${encodeURIComponent(model)}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`,
    safetySettings: config.safety_settings,
    redact: redactor([config.api_key, vertex?.access_token].filter((s): s is string => !!s)),
  };
}

/** POSTs a JSON body; resolves once a 2xx response's headers arrive, otherwise throws a ProviderError. */
export function postGemini(up: GeminiUpstream, model: string, method: GeminiMethod, body: string, call: UpstreamCall, deadline: Deadline): Promise<Response> {
  const headers = callHeaders(up.headers, call);
  return postUpstream(up, up.url(model, method), headers, body, call, deadline, (status, text, h) => providerErrorFromResponse(up.name, status, text, h));
}
