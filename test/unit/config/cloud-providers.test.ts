// `dvara validate` on Gemini and Bedrock providers: what is missing is named, with where it could come from.
// Bedrock credentials are resolved here, once, from the config, the environment or the shared AWS files.
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvedAws } from '../../../src/config/aws.ts';
import { parseConfig } from '../../../src/config/load.ts';

/** An environment with no AWS variables and a HOME without ~/.aws. */
function emptyHome(): Record<string, string> {
  return { HOME: mkdtempSync(join(tmpdir(), 'dvara-home-')) };
}

const issues = (yaml: string, env: Record<string, string | undefined>) => {
  const r = parseConfig(yaml, env);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('gemini', () => {
  test('without api_key (and without vertex) is an error naming the key and the alternative', () => {
    expect(issues('providers:\n  g: { type: gemini }\n', {})).toEqual([
      expect.stringMatching(/^providers\.g\.api_key: required for type gemini .*vertex/),
    ]);
  });

  test('vertex needs a project and an access token; then no api_key is needed', () => {
    expect(issues('providers:\n  g: { type: gemini, vertex: { location: us-central1 } }\n', {})).toEqual(
      expect.arrayContaining(['providers.g.vertex.project: required (string)', 'providers.g.vertex.access_token: required (string)']),
    );
    expect(issues('providers:\n  g: { type: gemini, vertex: { project: p, access_token: t } }\n', {})).toEqual([]);
  });

  test('an unknown key is refused as for every provider', () => {
    expect(issues('providers:\n  g: { type: gemini, api_key: k, safety: [] }\n', {})).toEqual(['providers.g.safety: unknown key']);
  });
});

describe('bedrock', () => {
  test('no credentials and no region anywhere: both named, with every place they could come from', () => {
    const found = issues('providers:\n  b: { type: bedrock }\n', emptyHome());
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^providers\.b: no AWS credentials: set access_key_id and secret_access_key .*AWS_ACCESS_KEY_ID.*~\/\.aws\/credentials/);
    expect(found[1]).toMatch(/^providers\.b\.region: no AWS region: set region .*AWS_REGION/);
  });

  test('half the key pair in the config names the missing half', () => {
    expect(issues('providers:\n  b: { type: bedrock, region: us-east-1, access_key_id: AKIDEXAMPLE }\n', emptyHome())).toEqual([
      expect.stringMatching(/^providers\.b: secret_access_key is missing/),
    ]);
  });

  test('credentials and region from the environment are resolved at load, and never printed', () => {
    const env = { ...emptyHome(), AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE1234', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'eu-west-1' };
    const r = parseConfig('providers:\n  b: { type: bedrock }\n', env);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const aws = resolvedAws(r.config.providers.b!)!;
    expect(aws.region).toBe('eu-west-1');
    expect(aws.credentials).toMatchObject({ accessKeyId: 'AKIAENVEXAMPLE1234', secretAccessKey: 'env-secret' });
    expect(aws.credentials.source).not.toContain('env-secret');
  });

  test('a named profile from ~/.aws/credentials, with its region from ~/.aws/config', () => {
    const env = emptyHome();
    mkdirSync(join(env.HOME!, '.aws'));
    writeFileSync(join(env.HOME!, '.aws', 'credentials'), '[prod]\naws_access_key_id = AKIAPRODEXAMPLE123\naws_secret_access_key = prod-secret\n');
    writeFileSync(join(env.HOME!, '.aws', 'config'), '[profile prod]\nregion = ap-southeast-2\n');
    const r = parseConfig('providers:\n  b: { type: bedrock, profile: prod }\n', env);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(resolvedAws(r.config.providers.b!)).toMatchObject({ region: 'ap-southeast-2', credentials: { accessKeyId: 'AKIAPRODEXAMPLE123' } });
    expect(issues('providers:\n  b: { type: bedrock, profile: staging, region: us-east-1 }\n', env)).toEqual([expect.stringMatching(/^providers\.b: .*"staging"/)]);
  });
});
