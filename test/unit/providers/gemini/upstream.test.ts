// compileUpstream: the URLs, headers and redaction of a configured Gemini provider (providers.md 3), built from
// YAML through the real config loader so the schema's defaults apply.
import { describe, expect, test } from 'bun:test';
import { parseConfig } from '../../../../src/config/load.ts';
import type { ProviderConfig } from '../../../../src/config/schema.ts';
import { compileUpstream, type GeminiUpstream } from '../../../../src/providers/gemini/upstream.ts';

type GeminiConfig = Extract<ProviderConfig, { type: 'gemini' }>;

function compile(provider: string): GeminiUpstream {
  const r = parseConfig(`providers:\n  g: ${provider}\n`, {});
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return compileUpstream('g', r.config.providers.g as GeminiConfig);
}

const KEY = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';

describe('Generative Language API', () => {
  const up = compile('{ type: gemini, api_key: AIzaTEST }');

  test('default URL: v1beta models/{model}:generateContent', () => {
    expect(up.url('gemini-2.0-flash', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent');
  });

  test('streaming asks for SSE; embeddings have their own methods', () => {
    expect(up.url('gemini-2.5-flash', 'streamGenerateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(up.url('text-embedding-004', 'embedContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent');
    expect(up.url('text-embedding-004', 'batchEmbedContents')).toBe('https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents');
  });

  test('model names are URL-encoded', () => {
    expect(up.url('my model/x?y', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/my%20model%2Fx%3Fy:generateContent');
  });

  test('the key travels in x-goog-api-key, never in the URL', () => {
    expect(up.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIzaTEST' });
    expect(up.url('gemini-2.0-flash', 'generateContent')).not.toContain('key=');
  });

  test('defaults: five-minute timeout, no safety settings', () => {
    expect(up.timeoutMs).toBe(300_000);
    expect(up.safetySettings).toBeUndefined();
    expect(up.name).toBe('g');
  });

  test('timeout, extra headers and safety_settings from the config', () => {
    const custom = compile('{ type: gemini, api_key: k, timeout: 30s, headers: { x-team: blue }, safety_settings: [{ category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_NONE }] }');
    expect(custom.timeoutMs).toBe(30_000);
    expect(custom.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'k', 'x-team': 'blue' });
    expect(custom.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
  });
});

describe('base_url and api_version', () => {
  const url = (provider: string) => compile(provider).url('gemini-2.0-flash', 'generateContent');

  test('a base_url without a version gets api_version appended (trailing slashes trimmed)', () => {
    expect(url('{ type: gemini, api_key: k, base_url: "https://proxy.example.com/google/" }')).toBe('https://proxy.example.com/google/v1beta/models/gemini-2.0-flash:generateContent');
    expect(url('{ type: gemini, api_key: k, api_version: v1 }')).toBe('https://generativelanguage.googleapis.com/v1/models/gemini-2.0-flash:generateContent');
  });

  test('a base_url that already ends with a version is used as is', () => {
    expect(url('{ type: gemini, api_key: k, base_url: "https://proxy.example.com/v1beta" }')).toBe('https://proxy.example.com/v1beta/models/gemini-2.0-flash:generateContent');
    expect(url('{ type: gemini, api_key: k, base_url: "https://proxy.example.com/v1alpha/" }')).toBe('https://proxy.example.com/v1alpha/models/gemini-2.0-flash:generateContent');
    expect(url('{ type: gemini, api_key: k, base_url: "http://localhost:9000/v1" }')).toBe('http://localhost:9000/v1/models/gemini-2.0-flash:generateContent');
  });
});

describe('Vertex AI', () => {
  test('regional host, publisher model path, bearer token, no API key header', () => {
    const up = compile('{ type: gemini, vertex: { project: P, location: us-central1, access_token: ya29.tok } }');
    expect(up.url('M', 'generateContent')).toBe('https://us-central1-aiplatform.googleapis.com/v1/projects/P/locations/us-central1/publishers/google/models/M:generateContent');
    expect(up.url('M', 'streamGenerateContent')).toBe('https://us-central1-aiplatform.googleapis.com/v1/projects/P/locations/us-central1/publishers/google/models/M:streamGenerateContent?alt=sse');
    expect(up.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ya29.tok' });
  });

  test('location defaults to us-central1', () => {
    expect(compile('{ type: gemini, vertex: { project: P, access_token: t } }').url('M', 'generateContent')).toStartWith('https://us-central1-aiplatform.googleapis.com/v1/projects/P/locations/us-central1/');
  });

  test('the global location has no regional host', () => {
    const up = compile('{ type: gemini, vertex: { project: my-proj, location: global, access_token: t } }');
    expect(up.url('gemini-2.5-pro', 'generateContent')).toBe('https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/gemini-2.5-pro:generateContent');
  });

  test('an explicit base_url replaces the Vertex host', () => {
    const up = compile('{ type: gemini, base_url: "http://localhost:9000/", vertex: { project: P, location: europe-west4, access_token: t } }');
    expect(up.url('M', 'generateContent')).toBe('http://localhost:9000/v1/projects/P/locations/europe-west4/publishers/google/models/M:generateContent');
  });
});

describe('redact', () => {
  test("masks the configured key, and any AIza-style key or ya29 token even when it is not ours", () => {
    const up = compile(`{ type: gemini, api_key: ${KEY} }`);
    expect(up.redact(`API key ${KEY} not valid`)).toBe('API key [redacted] not valid');
    expect(up.redact('other key AIzaSyA1234567890abcdefghijklmnopqrstuv, token ya29.a0AfH6SMBx-xyz')).toBe('other key [redacted], token [redacted]');
    expect(up.redact('nothing secret here')).toBe('nothing secret here');
  });

  test('masks short configured keys and the Vertex access token literally', () => {
    expect(compile('{ type: gemini, api_key: AIzaTEST }').redact('key=AIzaTEST')).toBe('key=[redacted]');
    expect(compile('{ type: gemini, vertex: { project: P, access_token: opaque-token-1 } }').redact('Bearer opaque-token-1')).toBe('Bearer [redacted]');
  });
});
