import type { Config, ProviderConfig } from '../config/schema.ts';
import { createAnthropicAdapter } from './anthropic/index.ts';
import { createBedrockAdapter } from './bedrock/index.ts';
import { createGeminiAdapter } from './gemini/index.ts';
import { createMockAdapter } from './mock/index.ts';
import { createCompatibleAdapter } from './openai-compatible/index.ts';
import type { ProviderAdapter } from './types.ts';

function createAdapter(name: string, p: ProviderConfig): ProviderAdapter {
  if (p.type === 'mock') return createMockAdapter(name, p);
  if (p.type === 'anthropic') return createAnthropicAdapter(name, p);
  if (p.type === 'gemini') return createGeminiAdapter(name, p);
  if (p.type === 'bedrock') return createBedrockAdapter(name, p);
  return createCompatibleAdapter(name, p);
}

/** One adapter per configured provider, built once at start, keyed by provider name. */
export function createAdapters(config: Config): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, p] of Object.entries(config.providers)) adapters.set(name, createAdapter(name, p));
  return adapters;
}
