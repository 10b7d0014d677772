import type { ProviderConfig } from '../../config/schema.ts';
import { createOpenAIAdapter } from '../openai/index.ts';
import type { OpenAIPath, Upstream } from '../openai/upstream.ts';
import type { ProviderAdapter } from '../types.ts';
import { PRESETS, type PresetType } from './presets.ts';

type CompatibleConfig = Exclude<ProviderConfig, { type: 'mock' | 'anthropic' | 'gemini' | 'bedrock' }>;

/** Five minutes to the first byte: reasoning models think before they speak. */
const DEFAULT_TIMEOUT_MS = 300_000;

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** Azure OpenAI addresses a deployment, not a model: {base}/openai/deployments/{dep}/{path}?api-version=. */
function azureUrl(base: string, apiVersion: string, deployments: Record<string, string>) {
  return (path: OpenAIPath, model: string) =>
    `${base}/openai/deployments/${encodeURIComponent(deployments[model] ?? model)}/${path}?api-version=${encodeURIComponent(apiVersion)}`;
}

function authHeaders(config: CompatibleConfig, auth: 'bearer' | 'api-key'): Record<string, string> {
  const h: Record<string, string> = {};
  if (config.api_key) {
    if (auth === 'api-key') h['api-key'] = config.api_key;
    else h.authorization = `Bearer ${config.api_key}`;
  }
  if (config.type === 'openai') {
    if (config.organization) h['openai-organization'] = config.organization;
    if (config.project) h['openai-project'] = config.project;
  }
  return h;
}

/** Key-shaped tokens (OpenAI sk-, AWS AKIA, Qianfan bce-v3/) are masked even when they are not ours. */
const KEY_LIKE = /\b(?:sk-|sk_|AKIA|bce-v3\/)[A-Za-z0-9_\-/]{6,}/g;

function redactor(secret: string | undefined): (text: string) => string {
  return (text) => (secret ? text.replaceAll(secret, '[redacted]') : text).replace(KEY_LIKE, '[redacted]');
}

export function createCompatibleAdapter(name: string, config: CompatibleConfig): ProviderAdapter {
  const preset = PRESETS[config.type as PresetType];
  const base = trimSlash(config.base_url ?? ('baseUrl' in preset ? preset.baseUrl : ''));
  const up: Upstream = {
    name,
    preset,
    timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
    headers: { 'content-type': 'application/json', ...authHeaders(config, preset.auth), ...config.headers },
    url:
      config.type === 'azure'
        ? azureUrl(base, config.api_version, config.deployments ?? {})
        : (path) => `${base}/${path}`,
    redact: redactor(config.api_key),
  };
  return createOpenAIAdapter(up, config.type, config.models ?? preset.models);
}
