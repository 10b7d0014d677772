import { readFileSync } from 'node:fs';

// AWS credentials and region for signing Bedrock calls (providers.md 4.5), resolved once when the config loads:
// a missing or half-set credential is reported at startup, not as a 403 on the first request. Only static keys
// are supported (config, environment, shared files); SSO, credential_process and role assumption need the AWS
// SDK's token plumbing and are reported as unsupported rather than silently skipped.
// Problem texts name keys, variables, profiles and paths, never a key's value: they end up in logs.

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Where they came from, for messages ("config", "environment (AWS_ACCESS_KEY_ID)", "profile x in <path>"). */
  source: string;
}

export interface AwsCredentialsConfig {
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  profile?: string;
}

export type Env = Record<string, string | undefined>;
/** Returns the file's text, or null when it does not exist; other failures (permissions) throw. */
export type ReadFile = (path: string) => string | null;

export type CredentialsResult = { ok: true; credentials: AwsCredentials } | { ok: false; problem: string };
export type RegionResult = { ok: true; region: string } | { ok: false; problem: string };

export function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** A set-but-empty value (`${AWS_X:-}` in YAML, `export AWS_X=`) counts as unset. */
function given(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/**
 * The AWS shared-config dialect of INI: `[section]`, `key = value`, full-line `#`/`;` comments, inline comments
 * after whitespace, keys lower-cased (as botocore's configparser does). An empty value followed by indented
 * lines (`s3 =` + `  max_concurrent_requests = 20`) opens a nested block whose keys are not profile settings.
 * A repeated section adds to the first.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let nested = false;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const indented = /^\s/.test(raw);
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      const name = end === -1 ? undefined : line.slice(1, end).trim().replace(/\s+/g, ' ');
      current = name === undefined ? undefined : (sections.get(name) ?? new Map<string, string>());
      if (name !== undefined && current) sections.set(name, current);
      nested = false;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1 || !current || (indented && nested)) continue;
    const value = line.slice(eq + 1).replace(/\s[#;].*$/, '').trim();
    current.set(line.slice(0, eq).trim().toLowerCase(), value);
    nested = value === '';
  }
  return sections;
}

interface SharedFiles {
  credentials?: string;
  config?: string;
}

function expandHome(path: string, home: string | undefined): string {
  return home && (path === '~' || path.startsWith('~/')) ? home + path.slice(1) : path;
}

/** The shared credentials and config file paths; a path is absent only when it needs HOME and HOME is unset. */
function sharedFiles(env: Env): SharedFiles {
  const home = given(env.HOME)?.replace(/\/+$/, '');
  const pick = (override: string | undefined, name: string) =>
    override ? expandHome(override, home) : home ? `${home}/.aws/${name}` : undefined;
  return { credentials: pick(given(env.AWS_SHARED_CREDENTIALS_FILE), 'credentials'), config: pick(given(env.AWS_CONFIG_FILE), 'config') };
}

/** The profile's section: `[name]` in the credentials file; `[profile name]` in the config file (`[default]` too). */
function sectionNames(file: 'credentials' | 'config', profile: string): string[] {
  if (file === 'credentials') return [profile];
  return profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
}

type Read = { ok: true; sections: Map<string, Map<string, string>> | null } | { ok: false; problem: string };

function readIni(path: string, readFile: ReadFile): Read {
  try {
    const text = readFile(path);
    return { ok: true, sections: text === null ? null : parseIni(text) };
  } catch (e) {
    return { ok: false, problem: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function findSection(sections: Map<string, Map<string, string>>, names: readonly string[]): Map<string, string> | undefined {
  for (const n of names) {
    const s = sections.get(n);
    if (s) return s;
  }
  return undefined;
}

/** Keys of profiles that get credentials some other way than static keys; none of them is supported here. */
const UNSUPPORTED_KEYS = [
  'sso_session', 'sso_start_url', 'sso_account_id', 'sso_role_name', 'credential_process',
  'role_arn', 'source_profile', 'credential_source', 'web_identity_token_file',
];

function unsupportedProblem(profile: string, path: string, keys: readonly string[]): string {
  return (
    `AWS profile "${profile}" in ${path} gets its credentials through ${keys.join(', ')}, which Dvara does not support ` +
    '(only static keys: SSO, credential_process, role_arn/source_profile and web identity profiles need the AWS SDK). ' +
    'Put aws_access_key_id and aws_secret_access_key in the profile, set access_key_id and secret_access_key in the provider config, ' +
    `or export temporary credentials (aws configure export-credentials --profile ${profile} --format env) before starting Dvara; ` +
    'they are read once at startup, so temporary credentials stop working when they expire'
  );
}

type FromSection = CredentialsResult | { ok: 'none'; unsupported: string[] };

function fromSection(section: Map<string, string>, profile: string, path: string): FromSection {
  const id = given(section.get('aws_access_key_id'));
  const secret = given(section.get('aws_secret_access_key'));
  if (id && secret) {
    const token = given(section.get('aws_session_token'));
    const credentials: AwsCredentials = { accessKeyId: id, secretAccessKey: secret, source: `profile ${profile} in ${path}` };
    if (token) credentials.sessionToken = token;
    return { ok: true, credentials };
  }
  if (id || secret) {
    const [has, lacks] = id ? ['aws_access_key_id', 'aws_secret_access_key'] : ['aws_secret_access_key', 'aws_access_key_id'];
    return { ok: false, problem: `AWS profile "${profile}" in ${path} has ${has} but no ${lacks}` };
  }
  return { ok: 'none', unsupported: UNSUPPORTED_KEYS.filter((k) => section.has(k)) };
}

function fromConfig(cfg: AwsCredentialsConfig): CredentialsResult | undefined {
  const id = given(cfg.access_key_id);
  const secret = given(cfg.secret_access_key);
  const token = given(cfg.session_token);
  if (id && secret) {
    const credentials: AwsCredentials = { accessKeyId: id, secretAccessKey: secret, source: 'config' };
    if (token) credentials.sessionToken = token;
    return { ok: true, credentials };
  }
  if (id) return { ok: false, problem: 'secret_access_key is missing: the provider config sets access_key_id but not secret_access_key' };
  if (secret) return { ok: false, problem: 'access_key_id is missing: the provider config sets secret_access_key but not access_key_id' };
  if (token) return { ok: false, problem: 'the provider config sets session_token without access_key_id and secret_access_key' };
  return undefined;
}

/**
 * Credentials in order: the provider config's keys; AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 * the profile (config `profile`, else AWS_PROFILE, else "default") in the shared credentials file, then in the
 * config file. A profile named in the provider config is a deliberate choice, so it is used even when the
 * environment holds keys (as the AWS JS SDK does), and it must exist.
 */
export function resolveAwsCredentials(
  cfg: AwsCredentialsConfig,
  env: Env = process.env,
  readFile: ReadFile = readFileOrNull,
): CredentialsResult {
  const configured = fromConfig(cfg);
  if (configured) return configured;

  const namedProfile = given(cfg.profile);
  const notes: string[] = [];
  if (!namedProfile) {
    const id = given(env.AWS_ACCESS_KEY_ID);
    const secret = given(env.AWS_SECRET_ACCESS_KEY);
    if (id && secret) {
      const credentials: AwsCredentials = { accessKeyId: id, secretAccessKey: secret, source: 'environment (AWS_ACCESS_KEY_ID)' };
      const token = given(env.AWS_SESSION_TOKEN);
      if (token) credentials.sessionToken = token;
      return { ok: true, credentials };
    }
    if (id) notes.push('AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not');
    if (secret) notes.push('AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not');
  }

  const profile = namedProfile ?? given(env.AWS_PROFILE) ?? 'default';
  const files = sharedFiles(env);
  const searched: string[] = [];
  const foundIn: string[] = [];
  for (const kind of ['credentials', 'config'] as const) {
    const path = files[kind];
    if (!path) continue;
    searched.push(path);
    const read = readIni(path, readFile);
    if (!read.ok) return read;
    const section = read.sections && findSection(read.sections, sectionNames(kind, profile));
    if (!section) continue;
    foundIn.push(path);
    const r = fromSection(section, profile, path);
    if (r.ok !== 'none') return r;
    if (r.unsupported.length > 0) return { ok: false, problem: unsupportedProblem(profile, path, r.unsupported) };
  }

  const where = searched.length > 0 ? searched.join(' or ') : 'the shared AWS files (HOME is not set, and neither is AWS_SHARED_CREDENTIALS_FILE or AWS_CONFIG_FILE)';
  if (namedProfile && foundIn.length === 0) {
    return { ok: false, problem: `AWS profile "${profile}" (from the provider config) not found in ${where}` };
  }
  const profileNote = foundIn.length > 0
    ? `profile "${profile}" in ${foundIn.join(' and ')} has no aws_access_key_id and aws_secret_access_key`
    : `profile "${profile}" not found in ${where}`;
  return {
    ok: false,
    problem:
      'no AWS credentials: set access_key_id and secret_access_key in the provider config, or AWS_ACCESS_KEY_ID and ' +
      `AWS_SECRET_ACCESS_KEY in the environment, or aws_access_key_id and aws_secret_access_key in a profile in ~/.aws/credentials (${[profileNote, ...notes].join('; ')})`,
  };
}

/** Region names go into the endpoint's host name: anything else would send signed requests somewhere odd. */
const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The region: the provider config's, else AWS_REGION, else AWS_DEFAULT_REGION, else `region` in the profile's
 * section of the config file (profile: the argument, else AWS_PROFILE, else "default").
 */
export function resolveAwsRegion(
  cfgRegion: string | undefined,
  env: Env = process.env,
  readFile: ReadFile = readFileOrNull,
  profile?: string,
): RegionResult {
  const candidates: Array<[string | undefined, string]> = [
    [given(cfgRegion), 'region in the provider config'],
    [given(env.AWS_REGION), 'AWS_REGION'],
    [given(env.AWS_DEFAULT_REGION), 'AWS_DEFAULT_REGION'],
  ];
  const name = given(profile) ?? given(env.AWS_PROFILE) ?? 'default';
  const path = sharedFiles(env).config;
  let note = '';
  if (!candidates.some(([v]) => v) && path) {
    const read = readIni(path, readFile);
    if (!read.ok) return read;
    const section = read.sections && findSection(read.sections, sectionNames('config', name));
    candidates.push([given(section?.get('region')), `region of profile "${name}" in ${path}`]);
    note = section ? ` (profile "${name}" in ${path} sets no region)` : ` (no profile "${name}" in ${path})`;
  }
  for (const [region, from] of candidates) {
    if (!region) continue;
    if (!REGION.test(region)) return { ok: false, problem: `${from} is not an AWS region name like us-east-1: "${region}"` };
    return { ok: true, region };
  }
  return { ok: false, problem: `no AWS region: set region in the provider config (e.g. us-east-1) or AWS_REGION${note}` };
}
