// OpenAI tool / response JSON Schema → Gemini `Schema` (providers.md 3.1 "Schema sanitising").
// Gemini's functionDeclarations[].parameters and generationConfig.responseSchema take an OpenAPI 3.0 subset and
// answer any other keyword with a 400 ("Unknown name \"additionalProperties\" ... Cannot find field."), so the
// schema is rebuilt from an allow-list rather than having known-bad keys deleted: a keyword nobody anticipated
// (draft 2020 additions, vendor extensions) is dropped instead of failing the request.
//
// Two passes: `convert` resolves $ref/allOf/anyOf/type unions and copies allowed keywords; `tidy` then filters
// `required`/`propertyOrdering` to declared properties. Filtering has to wait until branches are merged, because
// an allOf branch may hold `required` for properties declared by a sibling branch.

type Obj = Record<string, unknown>;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/** The only formats Gemini accepts, per type; `email`, `uri`, `uuid`, `date` and the like are rejected. */
const FORMATS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['enum', 'date-time']),
  number: new Set(['float', 'double']),
  integer: new Set(['int32', 'int64']),
};

const TEXT_KEYS = ['description', 'title', 'pattern'] as const;
const NUMBER_KEYS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum', 'minProperties', 'maxProperties'] as const;

/** Keywords that only mean something for one type: a multi-type schema hands each anyOf branch its own. */
const TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  string: ['format', 'minLength', 'maxLength', 'pattern'],
  number: ['format', 'minimum', 'maximum'],
  integer: ['format', 'minimum', 'maximum'],
  boolean: [],
  array: ['items', 'prefixItems', 'minItems', 'maxItems'],
  object: ['properties', 'required', 'minProperties', 'maxProperties', 'propertyOrdering'],
};

/**
 * Inlining $refs can grow a schema exponentially (a definition referencing another twice, n levels deep), and
 * the schema comes from the client: past this many converted nodes further $refs are cut like a cycle.
 */
const MAX_NODES = 20_000;

interface Ctx {
  root: Obj;
  /** Schemas being expanded through $ref on the current path (the root counts), to notice recursion. */
  expanding: readonly object[];
  budget: { nodes: number };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function without(node: Obj, ...keys: string[]): Obj {
  return Object.fromEntries(Object.entries(node).filter(([k]) => !keys.includes(k)));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? unique(v.filter((s): s is string => typeof s === 'string')) : [];
}

/** `type` as Gemini-known lowercase names plus whether "null" was among them; unknown names are dropped. */
function typeList(type: unknown): { types: string[]; nullable: boolean } {
  const raw = (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string').map((t) => t.toLowerCase());
  return { types: unique(raw.filter((t) => TYPES.has(t))), nullable: raw.includes('null') };
}

/** `const` is an enum of one; undefined when the schema constrains neither. */
function enumValues(node: Obj): unknown[] | undefined {
  if (node.const !== undefined) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

/** Gemini enum values are strings; other values keep their meaning through the schema's own `type`. */
function enumString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The type an untyped enum implies, so `{const: 3}` still says it wants a number. */
function inferType(values: readonly unknown[]): string | undefined {
  if (values.every((v) => typeof v === 'string')) return 'string';
  if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  if (values.every((v) => Number.isInteger(v))) return 'integer';
  if (values.every((v) => typeof v === 'number')) return 'number';
  return undefined;
}

function fitsType(v: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    default:
      return isObj(v);
  }
}

/** Overlays `over` on `base`; properties and required are unioned (allOf branches, $ref siblings, inlined anyOf). */
function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === 'properties' && isObj(out.properties) && isObj(v)) out.properties = { ...out.properties, ...v };
    else if (k === 'required' && Array.isArray(out.required) && Array.isArray(v)) out.required = unique([...out.required, ...v]);
    else out[k] = v;
  }
  return out;
}

/** A branch that only admits null (`{type:"null"}`, `{const:null}`, a $ref to one) converts to bare `nullable`. */
function isNullOnly(s: Obj): boolean {
  return s.nullable === true && Object.keys(s).every((k) => k === 'nullable' || k === 'description' || k === 'title');
}

/** JSON Pointer within the root (`#`, `#/$defs/X`, `#/definitions/X`); remote refs and anchors resolve to undefined. */
function resolvePointer(root: Obj, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function refLabel(ref: string): string {
  if (ref === '#') return 'root object';
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last || 'object';
}

function convert(node: unknown, ctx: Ctx): Obj {
  ctx.budget.nodes++;
  if (!isObj(node)) return {}; // `true` (or junk): anything goes
  if (typeof node.$ref === 'string') return convertRef(node, node.$ref, ctx);
  if (Array.isArray(node.allOf)) return convertAllOf(node, node.allOf, ctx);
  // With both present only anyOf is kept: their conjunction has no Gemini equivalent and both are rare together.
  const union = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (union) return convertUnion(node, union, ctx);
  if (typeList(node.type).types.length > 1) return splitTypes(node, ctx);
  return convertPlain(node, ctx);
}

/** Inlines the target; keywords next to the $ref (a property's own description) win over the target's. */
function convertRef(node: Obj, ref: string, ctx: Ctx): Obj {
  const siblings = convert(without(node, '$ref'), ctx);
  const target = resolvePointer(ctx.root, ref);
  if (target === undefined) return siblings; // nothing to inline: keep what the site itself says
  if (isObj(target) && (ctx.expanding.includes(target) || ctx.budget.nodes > MAX_NODES)) {
    const label = refLabel(ref);
    return merge({ type: 'object', description: `${label} (recursive: same shape as the enclosing ${label}, not expanded further)` }, siblings);
  }
  const inner: Ctx = isObj(target) ? { ...ctx, expanding: [...ctx.expanding, target] } : ctx;
  return merge(convert(target, inner), siblings);
}

/**
 * Merges the branches when their types agree (the object case: properties and required unioned; also
 * `[{type:string},{minLength:3}]`), else keeps the first: Gemini has no intersection of different types.
 */
function convertAllOf(node: Obj, list: readonly unknown[], ctx: Ctx): Obj {
  const rest = convert(without(node, 'allOf'), ctx);
  const branches = list.map((b) => convert(b, ctx));
  if (branches.length === 0) return rest;
  const types = unique(branches.map((b) => b.type).filter((t) => t !== undefined));
  const unions = branches.filter((b) => b.anyOf !== undefined).length;
  const merged = types.length <= 1 && unions <= 1 ? branches.reduce(merge) : branches[0]!;
  return merge(merged, rest);
}

/** anyOf/oneOf: null branches become `nullable`; a single remaining branch is inlined under the outer keywords. */
function convertUnion(node: Obj, list: readonly unknown[], ctx: Ctx): Obj {
  const rest = convert(without(node, 'anyOf', 'oneOf'), ctx);
  let nullable = false;
  const branches: Obj[] = [];
  for (const b of list) {
    const c = convert(b, ctx);
    if (isNullOnly(c)) nullable = true;
    else branches.push(c);
  }
  const out = branches.length === 0 ? rest : branches.length === 1 ? merge(branches[0]!, rest) : { ...rest, anyOf: branches };
  if (nullable) out.nullable = true;
  return out;
}

/** `type: ["string","number"]` → anyOf of one branch per type, each with the keywords that apply to it. */
function splitTypes(node: Obj, ctx: Ctx): Obj {
  const { types, nullable } = typeList(node.type);
  const values = enumValues(node);
  const branches: Obj[] = [];
  for (const t of types) {
    const raw: Obj = { type: t };
    for (const k of TYPE_KEYS[t] ?? []) if (node[k] !== undefined) raw[k] = node[k];
    if (values) {
      const fit = values.filter((v) => fitsType(v, t));
      if (fit.length === 0) continue; // the enum allows no value of this type
      raw.enum = fit;
    }
    branches.push(convert(raw, ctx));
  }
  const outer: Obj = {};
  for (const k of ['description', 'title'] as const) if (typeof node[k] === 'string') outer[k] = node[k];
  if (nullable || node.nullable === true || values?.includes(null)) outer.nullable = true;
  if (branches.length === 1) return merge(branches[0]!, outer);
  if (branches.length > 1) outer.anyOf = branches;
  return outer;
}

/** Items of a tuple (`items: [A, B]` or `prefixItems`): Gemini has one item schema, so it admits any of them. */
function itemsOf(list: readonly unknown[], ctx: Ctx): Obj | undefined {
  const branches = list.map((b) => convert(b, ctx));
  if (branches.length <= 1) return branches[0];
  return { anyOf: branches };
}

/** A schema with at most one type and no combinators: copy the allowed keywords. */
function convertPlain(node: Obj, ctx: Ctx): Obj {
  const out: Obj = {};
  const { types, nullable } = typeList(node.type);
  let type = types[0];
  let isNullable = nullable || node.nullable === true;
  const values = enumValues(node);
  if (values) {
    if (values.includes(null)) isNullable = true;
    const kept = values.filter((v) => v !== null);
    if (kept.length > 0) {
      out.enum = unique(kept.map(enumString));
      type ??= inferType(kept);
    }
  }
  if (type) out.type = type;
  if (type && typeof node.format === 'string' && FORMATS[type]?.has(node.format)) out.format = node.format;
  for (const k of TEXT_KEYS) if (typeof node[k] === 'string') out[k] = node[k];
  for (const k of NUMBER_KEYS) if (typeof node[k] === 'number' && Number.isFinite(node[k])) out[k] = node[k];
  if (isNullable) out.nullable = true;
  if (isObj(node.properties)) {
    // `false` forbids the property outright: leaving it out says the same to Gemini.
    const entries = Object.entries(node.properties).filter(([, s]) => s !== false);
    out.properties = Object.fromEntries(entries.map(([name, s]) => [name, convert(s, ctx)]));
  }
  if (Array.isArray(node.required)) out.required = strings(node.required);
  if (Array.isArray(node.propertyOrdering)) out.propertyOrdering = strings(node.propertyOrdering);
  const items = Array.isArray(node.items) ? itemsOf(node.items, ctx)
    : isObj(node.items) || node.items === true ? convert(node.items, ctx)
    : Array.isArray(node.prefixItems) ? itemsOf(node.prefixItems, ctx)
    : undefined;
  if (items) out.items = items;
  return out;
}

/**
 * Gemini rejects `required`/`propertyOrdering` entries that name no property, and an empty `properties`; runs
 * after merging (see the top of the file). Works on `convert`'s output, so copying is only for purity's sake.
 */
function tidy(s: Obj): Obj {
  const out: Obj = { ...s };
  delete out.properties;
  delete out.required;
  delete out.propertyOrdering;
  const props = isObj(s.properties) ? Object.entries(s.properties).map(([k, v]) => [k, tidy(v as Obj)] as const) : [];
  if (props.length > 0) out.properties = Object.fromEntries(props);
  const names = new Set(props.map(([k]) => k));
  const required = strings(s.required).filter((n) => names.has(n));
  if (required.length > 0) out.required = required;
  const ordering = strings(s.propertyOrdering).filter((n) => names.has(n));
  if (ordering.length > 0) out.propertyOrdering = ordering;
  if (isObj(s.items)) out.items = tidy(s.items);
  if (Array.isArray(s.anyOf)) out.anyOf = s.anyOf.map((b) => tidy(b as Obj));
  return out;
}

/**
 * An OpenAI tool's `parameters` (or a json_schema response format's `schema`) as a Gemini Schema. Returns
 * undefined for an object with no properties (or an empty schema): Gemini rejects an OBJECT with empty
 * properties in a function declaration, so the caller omits `parameters` altogether. Never mutates the input.
 */
export function toGeminiSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  const out = tidy(convert(schema, { root: schema, expanding: [schema], budget: { nodes: 0 } }));
  const typeless = out.type === undefined && out.items === undefined && out.enum === undefined;
  const empty = (out.type === 'object' || typeless) && out.properties === undefined && out.anyOf === undefined;
  return empty ? undefined : out;
}
