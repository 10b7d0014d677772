// Generates a value that validates against a JSON Schema, so the mock's structured outputs and tool arguments
// parse in clients that validate them (OpenAI SDK `parse()`, Pydantic, zod). Covers the keywords that Pydantic,
// zod-to-json-schema and hand-written OpenAI tool schemas produce; exotic keywords (not, if/then, contains) are ignored.

type Schema = Record<string, unknown>;

export interface SampleOptions {
  /** A string for the property named `key` (e.g. a city taken from the user's message); undefined uses a stock value. */
  hint?: (key: string) => string | undefined;
}

interface Ctx {
  root: unknown;
  opts: SampleOptions;
  /** $refs being expanded on the current path, to notice recursion. */
  refs: readonly string[];
  depth: number;
  /** Inside a recursive expansion: produce the smallest valid value so the output stays finite. */
  minimal: boolean;
}

const MAX_DEPTH = 64;

const FORMATS: Record<string, (v: number) => string> = {
  'date-time': (v) => `2024-01-${pad2(1 + (v % 28))}T12:00:00Z`,
  date: (v) => `2024-01-${pad2(1 + (v % 28))}`,
  time: () => '12:00:00Z',
  email: (v) => `user${v || ''}@example.com`,
  'idn-email': (v) => `user${v || ''}@example.com`,
  uri: (v) => (v ? `https://example.com/${v}` : 'https://example.com'),
  url: (v) => (v ? `https://example.com/${v}` : 'https://example.com'),
  iri: (v) => (v ? `https://example.com/${v}` : 'https://example.com'),
  'uri-reference': (v) => `/example${v || ''}`,
  hostname: (v) => (v ? `host${v}.example.com` : 'example.com'),
  ipv4: (v) => `192.0.2.${1 + (v % 254)}`,
  ipv6: (v) => `2001:db8::${(v + 1).toString(16)}`,
  uuid: (v) => `00000000-0000-4000-8000-${String(v).padStart(12, '0')}`,
  duration: (v) => `P${v + 1}D`,
  'json-pointer': () => '/example',
  regex: () => '.*',
};

const PATTERN_CANDIDATES = ['example', 'abc', 'ABC', 'a', 'A', '0', '123', 'abc123', 'a-b', 'a_b', 'user@example.com'];

export function sampleFromSchema(schema: unknown, opts: SampleOptions = {}): unknown {
  return sample(schema, { root: schema, opts, refs: [], depth: 0, minimal: false }, undefined, 0);
}

function sample(schema: unknown, ctx: Ctx, key: string | undefined, variant: number): unknown {
  if (schema === false || ctx.depth > MAX_DEPTH) return null;
  if (!isRecord(schema)) return 'example';
  const child: Ctx = { ...ctx, depth: ctx.depth + 1 };

  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    const { $ref: _drop, ...siblings } = schema;
    const target = resolveRef(ctx.root, ref);
    const recursive = ctx.refs.includes(ref);
    const merged = isRecord(target) ? { ...target, ...siblings } : siblings;
    return sample(merged, { ...child, refs: [...ctx.refs, ref], minimal: ctx.minimal || recursive }, key, variant);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[variant % schema.enum.length];

  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    return sample(mergeAll([rest, ...allOf.map((s) => deref(ctx.root, s))]), child, key, variant);
  }
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (union && union.length > 0) {
    const { anyOf: _a, oneOf: _o, ...rest } = schema;
    const branch = pickBranch(union, ctx);
    return sample(isRecord(branch) ? { ...rest, ...branch } : branch, child, key, variant);
  }

  switch (pickType(schema, ctx.minimal)) {
    case 'null':
      return null;
    case 'boolean':
      return variant % 2 === 0;
    case 'integer':
      return sampleNumber(schema, true, variant);
    case 'number':
      return sampleNumber(schema, false, variant);
    case 'string':
      return sampleString(schema, ctx, key, variant);
    case 'array':
      return sampleArray(schema, child, key, variant);
    case 'object':
      return sampleObject(schema, child, variant);
    default:
      return 'example';
  }
}

function pickType(s: Schema, minimal: boolean): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t): t is string => typeof t === 'string');
    if (minimal && types.includes('null')) return 'null';
    return types.find((t) => t !== 'null') ?? types[0];
  }
  const has = (...keys: string[]) => keys.some((k) => k in s);
  if (has('properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties')) return 'object';
  if (has('items', 'prefixItems', 'minItems', 'maxItems')) return 'array';
  if (has('minLength', 'maxLength', 'pattern', 'format')) return 'string';
  if (has('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf')) return 'number';
  return undefined;
}

/** Pydantic's Optional[X] is anyOf [X, null]: prefer X, except inside recursion where null ends it. */
function pickBranch(branches: unknown[], ctx: Ctx): unknown {
  const isNull = (b: unknown) => {
    const r = deref(ctx.root, b);
    return isRecord(r) && (r.type === 'null' || r.const === null);
  };
  if (ctx.minimal) {
    return branches.find(isNull) ?? branches.find((b) => isRecord(b) && !('$ref' in b)) ?? branches[0];
  }
  return branches.find((b) => !isNull(b)) ?? branches[0];
}

function sampleObject(s: Schema, ctx: Ctx, variant: number): Record<string, unknown> {
  const props = isRecord(s.properties) ? s.properties : {};
  const required = Array.isArray(s.required) ? s.required.filter((k): k is string => typeof k === 'string') : [];
  const extra = s.additionalProperties;
  const extraSchema = isRecord(extra) ? extra : true;
  const max = typeof s.maxProperties === 'number' ? s.maxProperties : Infinity;

  let keys = ctx.minimal ? required : [...new Set([...Object.keys(props), ...required])];
  if (keys.length > max) {
    const optional = keys.filter((k) => !required.includes(k)).slice(0, Math.max(0, max - required.length));
    keys = keys.filter((k) => required.includes(k) || optional.includes(k));
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sample(k in props ? props[k] : extraSchema, ctx, k, variant);

  // A map type (no named properties, typed additionalProperties) reads better with one entry than none.
  const wanted = Math.max(
    typeof s.minProperties === 'number' ? s.minProperties : 0,
    !ctx.minimal && keys.length === 0 && isRecord(extra) ? 1 : 0,
  );
  for (let n = 1; Object.keys(out).length < Math.min(wanted, max) && extra !== false; n++) {
    const k = n === 1 ? 'key' : `key${n}`;
    if (!(k in out)) out[k] = sample(extraSchema, ctx, k, variant);
  }
  return out;
}

function sampleArray(s: Schema, ctx: Ctx, key: string | undefined, variant: number): unknown[] {
  // Draft 2020-12 spells tuples prefixItems + items; drafts 4-7 spell them items[] + additionalItems.
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const rest = Array.isArray(s.items) ? (s.additionalItems ?? true) : (s.items ?? true);
  const min = typeof s.minItems === 'number' ? s.minItems : 0;
  const max = typeof s.maxItems === 'number' ? s.maxItems : Infinity;
  let count = ctx.minimal ? min : Math.max(min, prefix.length || 2);
  if (rest === false) count = Math.min(count, prefix.length);
  count = Math.min(count, max);
  const unique = s.uniqueItems === true;
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push(sample(i < prefix.length ? prefix[i] : rest, ctx, key, unique ? variant + i : variant));
  return out;
}

function sampleString(s: Schema, ctx: Ctx, key: string | undefined, variant: number): string {
  const format = typeof s.format === 'string' ? FORMATS[s.format] : undefined;
  if (format) return format(variant);
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  const fit = (text: string) => {
    const chars = Array.from(text);
    while (chars.length < min) chars.push('x');
    return chars.slice(0, max).join('');
  };
  const suffix = variant > 0 ? ` ${variant + 1}` : '';
  const hinted = key !== undefined ? ctx.opts.hint?.(key) : undefined;
  const base = fit((hinted ?? 'example') + suffix);
  if (typeof s.pattern !== 'string') return base;
  let re: RegExp;
  try {
    re = new RegExp(s.pattern, 'u');
  } catch {
    return base;
  }
  return [base, ...PATTERN_CANDIDATES.map((c) => fit(c + (variant > 0 ? String(variant) : '')))].find((c) => re.test(c)) ?? base;
}

function sampleNumber(s: Schema, integer: boolean, variant: number): number {
  let lo = -Infinity;
  let hi = Infinity;
  let loEx = s.exclusiveMinimum === true; // draft 4 spells exclusivity as a boolean beside minimum
  let hiEx = s.exclusiveMaximum === true;
  if (typeof s.minimum === 'number') lo = s.minimum;
  if (typeof s.maximum === 'number') hi = s.maximum;
  if (typeof s.exclusiveMinimum === 'number' && s.exclusiveMinimum >= lo) [lo, loEx] = [s.exclusiveMinimum, true];
  if (typeof s.exclusiveMaximum === 'number' && s.exclusiveMaximum <= hi) [hi, hiEx] = [s.exclusiveMaximum, true];
  const step = typeof s.multipleOf === 'number' && s.multipleOf > 0 ? s.multipleOf : undefined;
  const ok = (x: number) =>
    (loEx ? x > lo : x >= lo) &&
    (hiEx ? x < hi : x <= hi) &&
    (!integer || Number.isInteger(x)) &&
    (step === undefined || Math.abs(x / step - Math.round(x / step)) < 1e-9);

  const candidates = [integer ? 1 + variant : 1.5 + variant];
  const unit = step ?? (integer ? 1 : 0);
  if (unit > 0) {
    const from = Number.isFinite(lo) ? Math.ceil(lo / unit) : Number.isFinite(hi) ? Math.floor(hi / unit) - 2 : 0;
    for (let k = 0; k < 3; k++) candidates.push(roundTo((from + variant + k) * unit, unit));
    if (Number.isFinite(hi)) for (let k = 0; k < 3; k++) candidates.push(roundTo((Math.floor(hi / unit) - k) * unit, unit));
  } else if (Number.isFinite(lo) && Number.isFinite(hi)) {
    candidates.push(lo + (hi - lo) / (variant + 2));
  } else if (Number.isFinite(lo)) {
    candidates.push(lo + 1 + variant);
  } else if (Number.isFinite(hi)) {
    candidates.push(hi - 1 - variant);
  }
  return candidates.find(ok) ?? (Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi : 0);
}

/** Removes float noise (0.07000000000000001) that would fail a strict multipleOf check. */
function roundTo(x: number, unit: number): number {
  const digits = Math.min(20, Math.max(0, Math.ceil(-Math.log10(unit)) + 2));
  return Number(x.toFixed(digits));
}

/** Flattens allOf into one schema: properties and required are unioned, other keywords first-wins. */
function mergeAll(parts: unknown[]): Schema {
  const out: Schema = {};
  for (const part of parts) {
    if (!isRecord(part)) continue;
    const flat = Array.isArray(part.allOf) ? mergeAll([{ ...part, allOf: undefined }, ...part.allOf]) : part;
    for (const [k, v] of Object.entries(flat)) {
      if (v === undefined) continue;
      if (k === 'properties' && isRecord(out.properties) && isRecord(v)) out.properties = { ...out.properties, ...v };
      else if (k === 'required' && Array.isArray(out.required) && Array.isArray(v)) out.required = [...new Set([...out.required, ...v])];
      else if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

function deref(root: unknown, schema: unknown): unknown {
  let s = schema;
  for (let hops = 0; hops < 16 && isRecord(s) && typeof s.$ref === 'string'; hops++) {
    const { $ref, ...siblings } = s;
    const target = resolveRef(root, $ref as string);
    s = isRecord(target) ? { ...target, ...siblings } : siblings;
  }
  return s;
}

/** Local JSON-pointer refs only (#, #/$defs/X, #/definitions/X, zod's #/properties/a/items). */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isRecord(node)) node = node[seg];
    else return undefined;
  }
  return node;
}

function isRecord(x: unknown): x is Schema {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
