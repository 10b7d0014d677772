import type { Config } from '../config/schema.ts';
import { createMockAdapter } from './mock/index.ts';
import { createCompatibleAdapter } from './openai-compatible/index.ts';
import type { ProviderAdapter } from './types.ts';

/** One adapter per configured provider, built once at start, keyed by provider name. */
export function createAdapters(config: Config): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, p] of Object.entries(config.providers)) {
    adapters.set(name, p.type === 'mock' ? createMockAdapter(name, p) : createCompatibleAdapter(name, p));
  }
  return adapters;
}
