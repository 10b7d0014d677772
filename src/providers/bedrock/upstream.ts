import { AwsV4Signer } from 'aws4fetch';
import type { ProviderConfig } from '../../config/schema.ts';
import { resolvedAws, type ResolvedAws } from '../../config/aws.ts';
import type { UpstreamCall } from '../types.ts';
import { callHeaders, postUpstream, type Deadline } from '../upstream-call.ts';
import { resolveAwsCredentials, resolveAwsRegion, type AwsCredentials } from './credentials.ts';
import { providerErrorFromResponse } from './errors.ts';

type BedrockConfig = Extract<ProviderConfig, { type: 'bedrock' }>;

export type BedrockOperation = 'converse' | 'converse-stream' | 'invoke';

/** One configured Bedrock provider, compiled once at start. */
export interface BedrockUpstream {
  name: string;
  baseUrl: string;
  region: string;
  timeoutMs: number;
  credentials: AwsCredentials;
  headers: Record<string, string>;
  /** The signer's derived-key cache, shared by every call (the key changes once a day). */
  signingCache: Map<string, ArrayBuffer>;
  redact(text: string): string;
}

/** Five minutes to the first byte, as for the other model providers. */
const DEFAULT_TIMEOUT_MS = 300_000;

/** AWS access key ids (AKIA/ASIA...) are masked even when they are not ours. */
const KEY_LIKE = /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g;

/** Normally resolved (and reported) at config load; resolved here for configs built in code. */
function awsFor(name: string, config: BedrockConfig): ResolvedAws {
  const known = resolvedAws(config);
  if (known) return known;
  const creds = resolveAwsCredentials(config);
  if (!creds.ok) throw new Error(`providers.${name}: ${creds.problem}`);
  const region = resolveAwsRegion(config.region, process.env, undefined, config.profile);
  if (!region.ok) throw new Error(`providers.${name}.region: ${region.problem}`);
  return { credentials: creds.credentials, region: region.region };
}

export function compileUpstream(name: string, config: BedrockConfig): BedrockUpstream {
  const { credentials, region: regionName } = awsFor(name, config);
  const secrets = [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => !!s);
  return {
    name,
    baseUrl: (config.base_url ?? `https://bedrock-runtime.${regionName}.amazonaws.com`).replace(/\/+$/, ''),
    region: regionName,
    timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
    credentials,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...config.headers },
    signingCache: new Map(),
    redact: (text) => secrets.reduce((t, s) => t.replaceAll(s, '[redacted]'), text.replace(KEY_LIKE, '[redacted]')),
  };
}

/**
 * The model id is percent-encoded in the path (`...-v1%3A0`, ARNs' `/` too); the signer encodes the path once
 * more for the canonical request, which is what AWS verifies (providers.md 4.5).
 */
export function modelUrl(up: BedrockUpstream, modelId: string, op: BedrockOperation): string {
  return `${up.baseUrl}/model/${encodeURIComponent(modelId)}/${op}`;
}

/** Signs and POSTs a JSON body; resolves once a 2xx response's headers arrive, otherwise throws a ProviderError. */
export async function postBedrock(up: BedrockUpstream, modelId: string, op: BedrockOperation, body: string, call: UpstreamCall, deadline: Deadline): Promise<Response> {
  const url = modelUrl(up, modelId, op);
  const headers = callHeaders(up.headers, call);
  if (op === 'converse-stream') headers.accept = 'application/vnd.amazon.eventstream';
  const signer = new AwsV4Signer({
    method: 'POST',
    url,
    headers,
    body,
    accessKeyId: up.credentials.accessKeyId,
    secretAccessKey: up.credentials.secretAccessKey,
    sessionToken: up.credentials.sessionToken,
    service: 'bedrock',
    region: up.region,
    cache: up.signingCache,
  });
  const signed = await signer.sign();
  return postUpstream(up, url, Object.fromEntries(signed.headers), body, call, deadline, (status, text, h) => providerErrorFromResponse(up.name, status, text, h));
}
