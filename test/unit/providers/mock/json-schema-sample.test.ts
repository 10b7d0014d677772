import { describe, expect, test } from 'bun:test';
import { sampleFromSchema } from '../../../../src/providers/mock/json-schema-sample.ts';

type Schema = Record<string, unknown>;
const isObj = (x: unknown): x is Schema => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A deliberately small validator for the keywords the sampler claims to honour; returns the violations. */
function check(schema: unknown, value: unknown, root: unknown = schema, at = '$'): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${at}: false schema`];
  if (!isObj(schema)) return [];
  const errs: string[] = [];
  const fail = (m: string) => errs.push(`${at}: ${m}`);
  if (typeof schema.$ref === 'string') {
    let node: unknown = root;
    for (const seg of schema.$ref.slice(1).split('/').slice(1)) node = isObj(node) ? node[seg] : undefined;
    errs.push(...check(node, value, root, at));
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) fail('const');
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) fail('enum');
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) errs.push(...check(s, value, root, at));
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => check(s, value, root, at).length === 0)) fail('anyOf');
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s) => check(s, value, root, at).length === 0).length !== 1) fail('oneOf');
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (types) {
    const actual =
      value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) fail(`type ${actual} not in ${types}`);
  }
  if (isObj(value)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    for (const k of Array.isArray(schema.required) ? schema.required : []) if (!(k in value)) fail(`missing ${k}`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errs.push(...check(props[k], v, root, `${at}.${k}`));
      else if (schema.additionalProperties === false) fail(`extra ${k}`);
      else if (isObj(schema.additionalProperties)) errs.push(...check(schema.additionalProperties, v, root, `${at}.${k}`));
    }
    const n = Object.keys(value).length;
    if (typeof schema.minProperties === 'number' && n < schema.minProperties) fail('minProperties');
    if (typeof schema.maxProperties === 'number' && n > schema.maxProperties) fail('maxProperties');
  }
  if (Array.isArray(value)) {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    value.forEach((v, i) => errs.push(...check(i < prefix.length ? prefix[i] : schema.items, v, root, `${at}[${i}]`)));
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('minItems');
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail('maxItems');
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('uniqueItems');
  }
  if (typeof value === 'string') {
    const len = Array.from(value).length;
    if (typeof schema.minLength === 'number' && len < schema.minLength) fail('minLength');
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) fail('maxLength');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail('pattern');
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) fail('date-time');
    if (schema.format === 'date' && !/^\d{4}-\d\d-\d\d$/.test(value)) fail('date');
    if (schema.format === 'email' && !/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(value)) fail('email');
    if (schema.format === 'uri' && !URL.canParse(value)) fail('uri');
    if (schema.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) fail('uuid');
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail('minimum');
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail('maximum');
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail('exclusiveMinimum');
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) fail('exclusiveMaximum');
    if (typeof schema.multipleOf === 'number' && !Number.isInteger(value / schema.multipleOf)) fail('multipleOf');
  }
  return errs;
}

function expectValid(schema: unknown): unknown {
  const value = sampleFromSchema(schema);
  expect(check(schema, value)).toEqual([]);
  return value;
}

describe('sampleFromSchema', () => {
  test('primitives and their constraints', () => {
    expect(expectValid({ type: 'string', enum: ['b', 'a'] })).toBe('b');
    expect(expectValid({ const: 42 })).toBe(42);
    expect(expectValid({ type: 'boolean' })).toBe(true);
    expect(expectValid({ type: 'null' })).toBeNull();
    expectValid({ type: 'string', minLength: 20 });
    expectValid({ type: 'string', maxLength: 3 });
    expectValid({ type: 'string', pattern: '^[0-9]+$' });
    expectValid({ type: 'string', pattern: '^[A-Z]{3}$' });
    for (const format of ['date-time', 'date', 'email', 'uri', 'uuid']) expectValid({ type: 'string', format });
    expectValid({ type: 'integer', minimum: 10, maximum: 12 });
    expectValid({ type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 2 });
    expectValid({ type: 'integer', maximum: -5 });
    expectValid({ type: 'number', exclusiveMinimum: 0, maximum: 1 });
    expectValid({ type: 'number', minimum: 0.1, maximum: 0.2, multipleOf: 0.01 });
    expectValid({ type: 'integer', minimum: 7, multipleOf: 5 });
    expect(expectValid({ type: ['null', 'integer'] })).toBe(1);
  });

  test('objects include every property and respect additionalProperties: false', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, note: { type: 'string' } },
      required: ['name', 'tags'],
      additionalProperties: false,
    };
    const value = expectValid(schema) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['name', 'note', 'tags']);
    expect(value.tags).toHaveLength(2);
  });

  test('arrays honour minItems, maxItems, uniqueItems and tuples', () => {
    expect(expectValid({ type: 'array', items: { type: 'integer' }, minItems: 4 })).toHaveLength(4);
    expect(expectValid({ type: 'array', items: { type: 'integer' }, maxItems: 1 })).toHaveLength(1);
    expectValid({ type: 'array', items: { type: 'string', enum: ['x', 'y', 'z'] }, minItems: 3, uniqueItems: true });
    expectValid({ type: 'array', items: { type: 'string' }, minItems: 3, uniqueItems: true });
    expectValid({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false });
  });

  test('maps get one typed entry; minProperties is met', () => {
    expect(expectValid({ type: 'object', additionalProperties: { type: 'integer' } })).toEqual({ key: 1 });
    expectValid({ type: 'object', additionalProperties: { type: 'string' }, minProperties: 3 });
  });

  test('a Pydantic v2 model with $defs, Optional, enums and nested models', () => {
    const schema = {
      $defs: {
        Color: { enum: ['red', 'green'], title: 'Color', type: 'string' },
        Address: {
          properties: { street: { title: 'Street', type: 'string' }, zip: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: 'Zip' } },
          required: ['street', 'zip'],
          title: 'Address',
          type: 'object',
          additionalProperties: false,
        },
      },
      properties: {
        name: { title: 'Name', type: 'string' },
        age: { minimum: 0, title: 'Age', type: 'integer' },
        color: { $ref: '#/$defs/Color' },
        home: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }], default: null },
        past: { items: { $ref: '#/$defs/Address' }, title: 'Past', type: 'array' },
        created: { format: 'date-time', title: 'Created', type: 'string' },
      },
      required: ['name', 'age', 'color', 'home', 'past', 'created'],
      title: 'Person',
      type: 'object',
      additionalProperties: false,
    };
    const value = expectValid(schema) as Record<string, unknown>;
    expect(value.color).toBe('red');
    expect(value.home).toEqual({ street: 'example', zip: 'example' });
  });

  test('zod-to-json-schema output: definitions, relative refs, nullable type arrays', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'object', properties: { x: { type: 'number', exclusiveMinimum: 0 } }, required: ['x'], additionalProperties: false },
        b: { $ref: '#/properties/a' },
        c: { type: ['string', 'null'], format: 'email' },
        d: { $ref: '#/definitions/Tag' },
        e: { allOf: [{ type: 'object', properties: { p: { type: 'string' } }, required: ['p'] }, { properties: { q: { type: 'integer' } }, required: ['q'] }] },
      },
      required: ['a', 'b', 'c', 'd', 'e'],
      additionalProperties: false,
      definitions: { Tag: { type: 'string', enum: ['t1'] } },
      $schema: 'http://json-schema.org/draft-07/schema#',
    };
    const value = expectValid(schema) as Record<string, unknown>;
    expect(value.b).toEqual(value.a);
    expect(value.e).toEqual({ p: 'example', q: 1 });
  });

  test('recursive schemas terminate and stay valid', () => {
    const schema = {
      $defs: {
        Node: {
          type: 'object',
          properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } }, parent: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] } },
          required: ['value', 'children', 'parent'],
        },
      },
      $ref: '#/$defs/Node',
    };
    const value = expectValid(schema);
    expect(JSON.stringify(value).length).toBeLessThan(5000);
  });

  test('string hints fill named properties', () => {
    const value = sampleFromSchema(
      { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } } },
      { hint: (key) => (key === 'city' ? 'Paris' : undefined) },
    );
    expect(value).toEqual({ city: 'Paris', unit: 'c' });
  });
});
