import type { UpstreamCall } from '../types.ts';
import { callHeaders, postUpstream, type Deadline } from '../upstream-call.ts';
import { providerErrorFromResponse } from './errors.ts';

export type AnthropicPath = '/v1/messages' | '/v1/messages/count_tokens';

/** One configured Anthropic provider, compiled once at start. */
export interface AnthropicUpstream {
  name: string;
  /** No trailing slash, no /v1. */
  baseUrl: string;
  timeoutMs: number;
  /** content-type, x-api-key, anthropic-version and the config's own headers. */
  headers: Record<string, string>;
  /** max_tokens when the client sets none. */
  defaultMaxTokens: number;
  /** Removes Dvara's own credentials from upstream text. */
  redact(text: string): string;
}

/** Anthropic keys (sk-ant-...) and other key-shaped tokens are masked even when they are not ours. */
const KEY_LIKE = /\b(?:sk-ant-|sk-|sk_)[A-Za-z0-9_-]{6,}/g;

export function redactor(secret: string): (text: string) => string {
  return (text) => text.replace(KEY_LIKE, '[redacted]').replaceAll(secret, '[redacted]');
}

/**
 * POSTs an already serialised JSON body; resolves once a 2xx response's headers arrive, otherwise throws a
 * ProviderError. `extra` carries per-call headers (the native passthrough's anthropic-version/-beta).
 */
export function postJson(
  up: AnthropicUpstream,
  path: AnthropicPath,
  body: string,
  call: UpstreamCall,
  deadline: Deadline,
  extra?: Record<string, string>,
): Promise<Response> {
  const headers = callHeaders(extra ? { ...up.headers, ...extra } : up.headers, call);
  return postUpstream(up, `${up.baseUrl}${path}`, headers, body, call, deadline, (status, text, h) => providerErrorFromResponse(up.name, status, text, h));
}

export { upstreamFailure } from '../upstream-call.ts';
