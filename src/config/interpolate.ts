// `${VAR}` and `${VAR:-default}` from the environment.
// YAML cannot hold `${...}` inside a flow map (`{ api_key: ${KEY} }` is a parse error), so each reference is
// first replaced by a plain-scalar placeholder, the YAML parsed, and placeholders resolved in the parsed tree,
// where every value has a path to name in errors.

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const PLACEHOLDER = /__dvara_env_(\d+)__/g;

export interface EnvReference { name: string; fallback: string | undefined }
export interface Issue { path: string; message: string }

/** Replaces references with placeholders; `$${` escapes a literal `${`. */
export function extractReferences(text: string): { text: string; refs: EnvReference[] } {
  const refs: EnvReference[] = [];
  const escaped = text.split('$${');
  const replaced = escaped.map((part) =>
    part.replace(REFERENCE, (_m, name: string, fallback: string | undefined) => {
      refs.push({ name, fallback });
      return `__dvara_env_${refs.length - 1}__`;
    }),
  );
  return { text: replaced.join('${'), refs };
}

/** Resolves placeholders in every string of the tree; unset variables without a default become issues. */
export function resolveReferences(
  value: unknown,
  refs: EnvReference[],
  env: Record<string, string | undefined>,
  issues: Issue[],
  path: string[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_m, i: string) => {
      const ref = refs[Number(i)]!;
      const v = env[ref.name];
      if (v !== undefined && v !== '') return v;
      if (ref.fallback !== undefined) return ref.fallback;
      issues.push({
        path: path.join('.') || '(root)',
        message: `environment variable ${ref.name} is not set (set it, or write \${${ref.name}:-default})`,
      });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, refs, env, issues, [...path, String(i)]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, refs, env, issues, [...path, k]);
    return out;
  }
  return value;
}
