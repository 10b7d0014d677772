import { resolveAwsCredentials, resolveAwsRegion, type AwsCredentials } from '../providers/bedrock/credentials.ts';
import type { Issue } from './interpolate.ts';
import type { Config } from './schema.ts';

// Bedrock credentials and region may come from the config, the environment or the shared AWS files. They
// are resolved once at load, so `dvara validate` reports what is missing and the request path never reads a file.

export interface ResolvedAws {
  credentials: AwsCredentials;
  region: string;
}

/** Resolved credentials per Bedrock provider object (the parsed config stays a plain, serialisable tree). */
const resolved = new WeakMap<object, ResolvedAws>();

export function resolvedAws(provider: object): ResolvedAws | undefined {
  return resolved.get(provider);
}

export function attachAwsCredentials(config: Config, env: Record<string, string | undefined>): Issue[] {
  const issues: Issue[] = [];
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.type !== 'bedrock') continue;
    const creds = resolveAwsCredentials(p, env);
    const region = resolveAwsRegion(p.region, env, undefined, p.profile);
    if (!creds.ok) issues.push({ path: `providers.${name}`, message: creds.problem });
    if (!region.ok) issues.push({ path: `providers.${name}.region`, message: region.problem });
    if (creds.ok && region.ok) resolved.set(p, { credentials: creds.credentials, region: region.region });
  }
  return issues;
}
