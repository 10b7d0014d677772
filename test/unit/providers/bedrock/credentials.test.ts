// AWS credential and region resolution for Bedrock: each source and their precedence, the shared-file INI
// dialect, and problem texts that explain every option without ever echoing a secret.
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseIni,
  readFileOrNull,
  resolveAwsCredentials,
  resolveAwsRegion,
  type AwsCredentials,
  type CredentialsResult,
  type Env,
} from '../../../../src/providers/bedrock/credentials.ts';

const HOME = '/home/u';
const CREDS = `${HOME}/.aws/credentials`;
const CONFIG = `${HOME}/.aws/config`;

// Fake values shaped like real ones, so a leak in a problem text would be easy to spot.
const AKID = 'AKIAEXAMPLEFROMCONFIG';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETCFG';
const TOKEN = 'IQoJb3JpZ2luX2VjSESSIONTOKENCFG';
const ENV_AKID = 'AKIAEXAMPLEFROMENVXX';
const ENV_SECRET = 'envSecretValue/1234567890abcdefghijklmn';
const FILE_AKID = 'AKIAEXAMPLEFROMFILEX';
const FILE_SECRET = 'fileSecretValue/1234567890abcdefghijkl';
const ALL_SECRETS = [SECRET, TOKEN, ENV_SECRET, FILE_SECRET, 'cfgfileSecret/xyz', 'onlySecretNoId/abc'];

/** A readFile over an in-memory file system. */
function files(map: Record<string, string>): (path: string) => string | null {
  return (path) => map[path] ?? null;
}

function creds(r: CredentialsResult): AwsCredentials {
  if (!r.ok) throw new Error(`expected credentials, got: ${r.problem}`);
  return r.credentials;
}

function problem(r: { ok: boolean; problem?: string }): string {
  if (r.ok) throw new Error('expected a problem');
  const text = r.problem!;
  for (const s of ALL_SECRETS) expect(text).not.toContain(s);
  return text;
}

const env = (extra: Env = {}): Env => ({ HOME, ...extra });
const noFiles = files({});

describe('parseIni', () => {
  test('sections, key = value, comments, whitespace', () => {
    const ini = parseIni(
      [
        '\uFEFF# leading comment',
        '; another',
        '[default]',
        'aws_access_key_id=A1',
        '   aws_secret_access_key   =   s e c   ',
        '',
        '[ profile   dev ]',
        'Region = eu-west-1   # inline comment',
        'output = json ;inline too',
        'url = https://x/#frag',
        'empty =',
        'garbage line without equals',
        '[default]',
        'extra = 1',
      ].join('\r\n'),
    );
    expect([...ini.keys()]).toEqual(['default', 'profile dev']);
    expect(Object.fromEntries(ini.get('default')!)).toEqual({ aws_access_key_id: 'A1', aws_secret_access_key: 's e c', extra: '1' });
    expect(Object.fromEntries(ini.get('profile dev')!)).toEqual({ region: 'eu-west-1', output: 'json', url: 'https://x/#frag', empty: '' });
  });

  test('indented keys under an empty value are a nested block, not profile settings', () => {
    const ini = parseIni('[default]\ns3 =\n  region = nested-value\n  max_concurrent_requests = 20\nregion = us-west-2\n  indented_plain = yes\n');
    expect(Object.fromEntries(ini.get('default')!)).toEqual({ s3: '', region: 'us-west-2', indented_plain: 'yes' });
  });

  test('keys before any section and unterminated headers are ignored', () => {
    const ini = parseIni('orphan = 1\n[broken\nkey = 2\n[ok]\nkey = 3\n');
    expect([...ini.keys()]).toEqual(['ok']);
    expect(ini.get('ok')!.get('key')).toBe('3');
  });
});

describe('resolveAwsCredentials: sources', () => {
  test('1. provider config keys (with session token)', () => {
    expect(creds(resolveAwsCredentials({ access_key_id: AKID, secret_access_key: SECRET, session_token: TOKEN }, env(), noFiles))).toEqual({
      accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN, source: 'config',
    });
    expect(creds(resolveAwsCredentials({ access_key_id: AKID, secret_access_key: SECRET }, env(), noFiles))).toEqual({
      accessKeyId: AKID, secretAccessKey: SECRET, source: 'config',
    });
  });

  test('2. environment', () => {
    const e = env({ AWS_ACCESS_KEY_ID: ENV_AKID, AWS_SECRET_ACCESS_KEY: ENV_SECRET, AWS_SESSION_TOKEN: TOKEN });
    expect(creds(resolveAwsCredentials({}, e, noFiles))).toEqual({
      accessKeyId: ENV_AKID, secretAccessKey: ENV_SECRET, sessionToken: TOKEN, source: 'environment (AWS_ACCESS_KEY_ID)',
    });
  });

  test('3a. shared credentials file, [default]', () => {
    const fs = files({ [CREDS]: `[default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\naws_session_token = ${TOKEN}\n` });
    expect(creds(resolveAwsCredentials({}, env(), fs))).toEqual({
      accessKeyId: FILE_AKID, secretAccessKey: FILE_SECRET, sessionToken: TOKEN, source: `profile default in ${CREDS}`,
    });
  });

  test('3b. config file: [profile x] for a named profile, [default] (or [profile default]) for the default', () => {
    const cfgFile = `[default]\nregion = us-east-1\n[profile work]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n[work]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n`;
    expect(creds(resolveAwsCredentials({ profile: 'work' }, env(), files({ [CONFIG]: cfgFile })))).toEqual({
      accessKeyId: FILE_AKID, secretAccessKey: FILE_SECRET, source: `profile work in ${CONFIG}`,
    });
    const dflt = files({ [CONFIG]: `[default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n` });
    expect(creds(resolveAwsCredentials({}, env(), dflt)).source).toBe(`profile default in ${CONFIG}`);
    const profileDefault = files({ [CONFIG]: `[profile default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n` });
    expect(creds(resolveAwsCredentials({}, env(), profileDefault)).accessKeyId).toBe(FILE_AKID);
  });

  test('the credentials file is read as [name], not [profile name]', () => {
    const fs = files({ [CREDS]: `[profile work]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n` });
    expect(problem(resolveAwsCredentials({ profile: 'work' }, env(), fs))).toContain('"work"');
  });

  test('AWS_PROFILE picks the profile; AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files (~ expanded)', () => {
    const fs = files({
      '/etc/aws-creds': `[ci]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n`,
      [`${HOME}/cfg`]: `[profile other]\naws_access_key_id = ${AKID}\naws_secret_access_key = cfgfileSecret/xyz\n`,
    });
    expect(creds(resolveAwsCredentials({}, env({ AWS_PROFILE: 'ci', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws-creds' }), fs)).source).toBe(
      'profile ci in /etc/aws-creds',
    );
    expect(creds(resolveAwsCredentials({}, env({ AWS_PROFILE: 'other', AWS_CONFIG_FILE: '~/cfg' }), fs)).source).toBe(`profile other in ${HOME}/cfg`);
  });
});

describe('resolveAwsCredentials: precedence', () => {
  const everywhere = files({
    [CREDS]: `[default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n[named]\naws_access_key_id = NAMEDID\naws_secret_access_key = named/secret\n`,
    [CONFIG]: `[default]\naws_access_key_id = CONFIGFILEID\naws_secret_access_key = cfgfileSecret/xyz\n`,
  });
  const withEnv = env({ AWS_ACCESS_KEY_ID: ENV_AKID, AWS_SECRET_ACCESS_KEY: ENV_SECRET });

  test('config beats environment beats files; the credentials file beats the config file', () => {
    expect(creds(resolveAwsCredentials({ access_key_id: AKID, secret_access_key: SECRET }, withEnv, everywhere)).source).toBe('config');
    expect(creds(resolveAwsCredentials({}, withEnv, everywhere)).source).toBe('environment (AWS_ACCESS_KEY_ID)');
    expect(creds(resolveAwsCredentials({}, env(), everywhere)).accessKeyId).toBe(FILE_AKID);
    expect(creds(resolveAwsCredentials({}, env(), files({ [CONFIG]: `[default]\naws_access_key_id = CONFIGFILEID\naws_secret_access_key = x\n` }))).accessKeyId).toBe('CONFIGFILEID');
  });

  test('config keys beat a configured profile', () => {
    expect(creds(resolveAwsCredentials({ access_key_id: AKID, secret_access_key: SECRET, profile: 'named' }, withEnv, everywhere)).source).toBe('config');
  });

  test('a profile named in the provider config beats environment keys; AWS_PROFILE does not', () => {
    expect(creds(resolveAwsCredentials({ profile: 'named' }, withEnv, everywhere))).toEqual({
      accessKeyId: 'NAMEDID', secretAccessKey: 'named/secret', source: `profile named in ${CREDS}`,
    });
    expect(creds(resolveAwsCredentials({}, { ...withEnv, AWS_PROFILE: 'named' }, everywhere)).source).toBe('environment (AWS_ACCESS_KEY_ID)');
  });

  test('empty strings count as unset', () => {
    const r = resolveAwsCredentials({ access_key_id: '', secret_access_key: ' ', profile: '' }, env({ AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' }), everywhere);
    expect(creds(r).source).toBe(`profile default in ${CREDS}`);
  });
});

describe('resolveAwsCredentials: problems', () => {
  test('only one of the config keys set names the missing one', () => {
    expect(problem(resolveAwsCredentials({ access_key_id: AKID }, env(), noFiles))).toBe(
      'secret_access_key is missing: the provider config sets access_key_id but not secret_access_key',
    );
    expect(problem(resolveAwsCredentials({ secret_access_key: SECRET, session_token: TOKEN }, env(), noFiles))).toBe(
      'access_key_id is missing: the provider config sets secret_access_key but not access_key_id',
    );
    expect(problem(resolveAwsCredentials({ session_token: TOKEN }, env(), noFiles))).toContain('session_token without access_key_id');
  });

  test('a partial config is an error even when other sources have credentials', () => {
    const e = env({ AWS_ACCESS_KEY_ID: ENV_AKID, AWS_SECRET_ACCESS_KEY: ENV_SECRET });
    expect(resolveAwsCredentials({ access_key_id: AKID }, e, noFiles).ok).toBe(false);
  });

  test('nothing anywhere: every option explained', () => {
    expect(problem(resolveAwsCredentials({}, env(), noFiles))).toBe(
      'no AWS credentials: set access_key_id and secret_access_key in the provider config, or AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY in the environment, or aws_access_key_id and aws_secret_access_key in a profile in ~/.aws/credentials ' +
        `(profile "default" not found in ${CREDS} or ${CONFIG})`,
    );
  });

  test('half-set environment keys are pointed out', () => {
    const p = problem(resolveAwsCredentials({}, env({ AWS_SECRET_ACCESS_KEY: 'onlySecretNoId/abc' }), noFiles));
    expect(p).toContain('AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not');
  });

  test('a profile that exists without keys (region only) is no credentials, said precisely', () => {
    const p = problem(resolveAwsCredentials({}, env(), files({ [CONFIG]: '[default]\nregion = us-east-1\n' })));
    expect(p).toStartWith('no AWS credentials:');
    expect(p).toContain(`profile "default" in ${CONFIG} has no aws_access_key_id and aws_secret_access_key`);
  });

  test('a named profile found nowhere names the profile and the files searched', () => {
    expect(problem(resolveAwsCredentials({ profile: 'prod' }, env(), files({ [CREDS]: '[default]\n' })))).toBe(
      `AWS profile "prod" (from the provider config) not found in ${CREDS} or ${CONFIG}`,
    );
  });

  test('a profile with one key of the pair names the file and the missing key', () => {
    const fs = files({ [CREDS]: `[default]\naws_secret_access_key = ${FILE_SECRET}\n`, [CONFIG]: `[default]\naws_access_key_id = X\naws_secret_access_key = cfgfileSecret/xyz\n` });
    expect(problem(resolveAwsCredentials({}, env(), fs))).toBe(`AWS profile "default" in ${CREDS} has aws_secret_access_key but no aws_access_key_id`);
  });

  test('SSO, credential_process and role profiles are reported as unsupported', () => {
    const sso = files({ [CONFIG]: '[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n' });
    const p = problem(resolveAwsCredentials({ profile: 'sso' }, env(), sso));
    expect(p).toStartWith(`AWS profile "sso" in ${CONFIG} gets its credentials through sso_session, sso_account_id, sso_role_name, which Dvara does not support`);
    expect(p).toContain('aws configure export-credentials --profile sso --format env');
    expect(p).toContain('access_key_id and secret_access_key in the provider config');

    const proc = files({ [CREDS]: '[default]\ncredential_process = /usr/bin/get-creds --secret-ish-arg\n' });
    expect(problem(resolveAwsCredentials({}, env(), proc))).toContain('through credential_process, which Dvara does not support');

    const role = files({ [CONFIG]: '[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = default\n' });
    expect(problem(resolveAwsCredentials({}, env({ AWS_PROFILE: 'admin' }), role))).toContain('through role_arn, source_profile');
  });

  test('static keys next to unsupported ones are used', () => {
    const fs = files({ [CREDS]: `[default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\nsso_session = corp\n` });
    expect(creds(resolveAwsCredentials({}, env(), fs)).accessKeyId).toBe(FILE_AKID);
  });

  test('no HOME and no file overrides: the message says why no file was searched', () => {
    expect(problem(resolveAwsCredentials({}, {}, noFiles))).toContain('HOME is not set');
  });

  test('an unreadable file is a problem, not "not found"', () => {
    const failing = (path: string) => {
      if (path === CREDS) throw new Error(`EACCES: permission denied, open '${path}'`);
      return null;
    };
    expect(problem(resolveAwsCredentials({}, env(), failing))).toBe(`cannot read ${CREDS}: EACCES: permission denied, open '${CREDS}'`);
  });
});

describe('resolveAwsRegion', () => {
  const cfgFile = files({ [CONFIG]: '[default]\nregion = eu-central-1\n[profile tokyo]\nregion = ap-northeast-1\n' });

  test('config, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile in the config file', () => {
    const all = env({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2' });
    expect(resolveAwsRegion('us-east-1', all, cfgFile)).toEqual({ ok: true, region: 'us-east-1' });
    expect(resolveAwsRegion(undefined, all, cfgFile)).toEqual({ ok: true, region: 'us-west-2' });
    expect(resolveAwsRegion('', env({ AWS_DEFAULT_REGION: 'us-east-2' }), cfgFile)).toEqual({ ok: true, region: 'us-east-2' });
    expect(resolveAwsRegion(undefined, env(), cfgFile)).toEqual({ ok: true, region: 'eu-central-1' });
  });

  test('the profile argument, else AWS_PROFILE, chooses the config section', () => {
    expect(resolveAwsRegion(undefined, env(), cfgFile, 'tokyo')).toEqual({ ok: true, region: 'ap-northeast-1' });
    expect(resolveAwsRegion(undefined, env({ AWS_PROFILE: 'tokyo' }), cfgFile)).toEqual({ ok: true, region: 'ap-northeast-1' });
  });

  test('nowhere: a problem saying how to set it', () => {
    expect(problem(resolveAwsRegion(undefined, env(), noFiles))).toBe(
      `no AWS region: set region in the provider config (e.g. us-east-1) or AWS_REGION (no profile "default" in ${CONFIG})`,
    );
    expect(problem(resolveAwsRegion(undefined, env(), files({ [CONFIG]: '[default]\noutput = json\n' })))).toBe(
      `no AWS region: set region in the provider config (e.g. us-east-1) or AWS_REGION (profile "default" in ${CONFIG} sets no region)`,
    );
    expect(problem(resolveAwsRegion(undefined, {}, noFiles))).toBe('no AWS region: set region in the provider config (e.g. us-east-1) or AWS_REGION');
  });

  test('a value that is not a region name is refused (it becomes part of the host name)', () => {
    expect(problem(resolveAwsRegion('evil.example.com/#', env(), noFiles))).toBe(
      'region in the provider config is not an AWS region name like us-east-1: "evil.example.com/#"',
    );
    expect(resolveAwsRegion('us-gov-west-1', env(), noFiles)).toEqual({ ok: true, region: 'us-gov-west-1' });
  });
});

describe('readFileOrNull (the default reader)', () => {
  test('returns the text, or null for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvara-aws-'));
    try {
      const path = join(dir, 'credentials');
      writeFileSync(path, '[default]\n');
      expect(readFileOrNull(path)).toBe('[default]\n');
      expect(readFileOrNull(join(dir, 'missing'))).toBeNull();
      expect(readFileOrNull(join(path, 'not-a-dir'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('end to end through real files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvara-aws-'));
    try {
      writeFileSync(join(dir, 'creds'), `[default]\naws_access_key_id = ${FILE_AKID}\naws_secret_access_key = ${FILE_SECRET}\n`);
      const r = resolveAwsCredentials({}, { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'creds'), AWS_CONFIG_FILE: join(dir, 'none') });
      expect(creds(r).source).toBe(`profile default in ${join(dir, 'creds')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
