import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { extractReferences, resolveReferences, type Issue } from './interpolate.ts';
import { PRESETS, PRESET_TYPES, isPresetType } from '../providers/openai-compatible/presets.ts';
import { attachAwsCredentials } from './aws.ts';

export type { Issue } from './interpolate.ts';

export type LoadResult = { ok: true; config: Config } | { ok: false; issues: Issue[] };

/** Parses, interpolates and validates config text. Every problem is reported, not just the first. */
export function parseConfig(text: string, env: Record<string, string | undefined> = process.env): LoadResult {
  const { text: yamlText, refs } = extractReferences(text);
  const doc = YAML.parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : 'yaml',
        // The position is in the path already; drop the message's own "at line L, column C:" tail.
        message: (e.message.split('\n')[0] ?? e.message).replace(/\s+at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  const issues: Issue[] = [];
  const raw = resolveReferences(doc.toJS() ?? {}, refs, env, issues);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) issues.push(...parsed.error.issues.flatMap(toIssues));
  issues.push(...crossCheck(raw));
  // Credentials that may come from outside the file (environment, ~/.aws) are found once, here.
  if (parsed.success) issues.push(...attachAwsCredentials(parsed.data as Config, env));
  // An unset variable also empties its field; report the variable, not the consequences.
  const unique = dedupeByPath(issues);
  return unique.length > 0 ? { ok: false, issues: unique } : { ok: true, config: parsed.data as Config };
}

export async function loadConfigFile(path: string, env?: Record<string, string | undefined>): Promise<LoadResult> {
  const file = Bun.file(path);
  if (!(await file.exists())) return { ok: false, issues: [{ path, message: 'config file not found' }] };
  return parseConfig(await file.text(), env);
}

function toIssues(issue: z.core.$ZodIssue): Issue[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: [...path, k].join('.'), message: 'unknown key' }));
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return [{ path: path.join('.'), message: `unknown provider type; expected one of ${PROVIDER_TYPES}` }];
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path: path.join('.') || '(root)', message: `required (${issue.expected})` }];
  }
  return [{ path: path.join('.') || '(root)', message: issue.message }];
}

const PROVIDER_TYPES = [...PRESET_TYPES, 'anthropic', 'gemini', 'bedrock', 'mock'].join(', ');

interface LooseConfig {
  providers?: Record<string, { type?: unknown; api_key?: unknown; vertex?: unknown } | null>;
  routes?: Array<{ targets?: Array<{ provider?: unknown } | null> } | null>;
}

/**
 * References between sections, which the schema alone cannot see. Runs on the raw tree, even when the
 * schema failed elsewhere, so one run reports every error.
 */
function crossCheck(input: unknown): Issue[] {
  const raw = (input && typeof input === 'object' ? input : {}) as LooseConfig;
  const providers = raw.providers && typeof raw.providers === 'object' ? raw.providers : {};
  const names = Object.keys(providers);
  const issues: Issue[] = [];
  for (const [name, p] of Object.entries(providers)) {
    const type = p?.type;
    if (typeof type === 'string' && isPresetType(type) && PRESETS[type].keyRequired && !p?.api_key) {
      issues.push({ path: `providers.${name}.api_key`, message: `required for type ${type}` });
    }
    if (type === 'gemini' && !p?.api_key && !p?.vertex) {
      issues.push({
        path: `providers.${name}.api_key`,
        message: 'required for type gemini (a Generative Language API key, e.g. ${GEMINI_API_KEY}), unless vertex: {project, location, access_token} is set',
      });
    }
  }
  const routes = Array.isArray(raw.routes) ? raw.routes : [];
  routes.forEach((route, i) =>
    (Array.isArray(route?.targets) ? route.targets : []).forEach((t, j) => {
      if (typeof t?.provider === 'string' && !Object.hasOwn(providers, t.provider)) {
        issues.push({
          path: `routes.${i}.targets.${j}.provider`,
          message: `unknown provider "${t.provider}" (configured: ${names.join(', ')})`,
        });
      }
    }),
  );
  return issues;
}

function dedupeByPath(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  const envPaths = new Set(issues.filter((i) => i.message.startsWith('environment variable')).map((i) => i.path));
  return issues.filter((i) => {
    if (envPaths.has(i.path) && !i.message.startsWith('environment variable')) return false;
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
