// OpenAI JSON Schema → Gemini's OpenAPI-subset Schema: one golden test per rule, then real-world shapes
// (Pydantic, zod-to-json-schema, a recursive tree) and a check that the input is never touched.
import { describe, expect, test } from 'bun:test';
import { toGeminiSchema } from '../../../../src/providers/gemini/schema.ts';

type Obj = Record<string, unknown>;

/** Wraps a property schema in a root object so the root-only rules stay out of the way. */
const prop = (schema: Obj): Obj => ({ type: 'object', properties: { p: schema } });
const convertProp = (schema: Obj): unknown => (toGeminiSchema(prop(schema))!.properties as Obj).p;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

describe('toGeminiSchema: keywords', () => {
  test('keeps every keyword on the allow-list', () => {
    const s = {
      type: 'object',
      title: 'T',
      description: 'D',
      nullable: true,
      minProperties: 1,
      maxProperties: 3,
      propertyOrdering: ['s', 'n', 'a'],
      required: ['s'],
      properties: {
        s: { type: 'string', format: 'date-time', minLength: 1, maxLength: 9, pattern: '^a' },
        n: { type: 'number', format: 'double', minimum: 0, maximum: 1 },
        a: { type: 'array', items: { type: 'integer', format: 'int32' }, minItems: 1, maxItems: 2 },
      },
    };
    expect(toGeminiSchema(s)).toEqual(s);
  });

  test('drops everything else', () => {
    expect(
      toGeminiSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: 'urn:x',
        $comment: 'c',
        type: 'object',
        strict: true,
        additionalProperties: false,
        propertyNames: { pattern: '^[a-z]+$' },
        patternProperties: { '^x-': { type: 'string' } },
        unevaluatedProperties: false,
        dependentRequired: { a: ['b'] },
        if: { properties: { a: { const: 1 } } },
        then: { required: ['b'] },
        else: { required: [] },
        not: { required: ['c'] },
        examples: [{ a: 'x' }],
        default: {},
        'x-vendor': 1,
        properties: {
          a: { type: 'string', default: 'x', examples: ['y'], contentEncoding: 'base64', contentMediaType: 'image/png', deprecated: true, readOnly: true },
          n: { type: 'integer', exclusiveMinimum: 0, multipleOf: 2 },
          l: { type: 'array', items: { type: 'string' }, uniqueItems: true, contains: { const: 'x' } },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, n: { type: 'integer' }, l: { type: 'array', items: { type: 'string' } } },
    });
  });

  test('keyword values of the wrong JSON type are dropped rather than sent', () => {
    expect(convertProp({ type: 'string', description: 3, minLength: '1', maxLength: Number.NaN, title: null })).toEqual({ type: 'string' });
  });

  test('types stay lowercase; upper-case and unknown type names are normalised or dropped', () => {
    expect(convertProp({ type: 'string' })).toEqual({ type: 'string' });
    expect(convertProp({ type: 'INTEGER' })).toEqual({ type: 'integer' });
    expect(convertProp({ type: 'date', description: 'x' })).toEqual({ description: 'x' });
  });
});

describe('toGeminiSchema: const and enum', () => {
  test('const → enum of one', () => {
    expect(convertProp({ type: 'string', const: 'fast' })).toEqual({ type: 'string', enum: ['fast'] });
    expect(convertProp({ const: 'fast' })).toEqual({ type: 'string', enum: ['fast'] });
  });

  test('numeric and boolean values are stringified and the type is kept (or inferred)', () => {
    expect(convertProp({ type: 'integer', enum: [1, 2, 3] })).toEqual({ type: 'integer', enum: ['1', '2', '3'] });
    expect(convertProp({ type: 'number', const: 1.5 })).toEqual({ type: 'number', enum: ['1.5'] });
    expect(convertProp({ const: 3 })).toEqual({ type: 'integer', enum: ['3'] });
    expect(convertProp({ enum: [0.5, 1] })).toEqual({ type: 'number', enum: ['0.5', '1'] });
    expect(convertProp({ const: true })).toEqual({ type: 'boolean', enum: ['true'] });
    expect(convertProp({ enum: ['a', 1] })).toEqual({ enum: ['a', '1'] });
  });

  test('null in an enum becomes nullable; const null is just nullable', () => {
    expect(convertProp({ type: 'string', enum: ['a', 'b', null] })).toEqual({ type: 'string', enum: ['a', 'b'], nullable: true });
    expect(convertProp({ const: null })).toEqual({ nullable: true });
  });

  test('duplicates after stringifying collapse', () => {
    expect(convertProp({ enum: ['1', 1] })).toEqual({ enum: ['1'] });
  });
});

describe('toGeminiSchema: type unions and nullability', () => {
  test('["string","null"] → string + nullable', () => {
    expect(convertProp({ type: ['string', 'null'], description: 'd' })).toEqual({ type: 'string', nullable: true, description: 'd' });
    expect(convertProp({ type: ['null'] })).toEqual({ nullable: true });
    expect(convertProp({ type: 'string', nullable: true })).toEqual({ type: 'string', nullable: true });
  });

  test('["string","number"] → anyOf, each branch with its own keywords', () => {
    expect(convertProp({ type: ['string', 'number'], description: 'd', minLength: 1, minimum: 0, format: 'date-time' })).toEqual({
      description: 'd',
      anyOf: [
        { type: 'string', minLength: 1, format: 'date-time' },
        { type: 'number', minimum: 0 },
      ],
    });
    expect(convertProp({ type: ['string', 'integer', 'null'] })).toEqual({ nullable: true, anyOf: [{ type: 'string' }, { type: 'integer' }] });
  });

  test('a multi-type enum splits its values by type; a type with no values left is dropped', () => {
    expect(convertProp({ type: ['string', 'integer'], enum: ['a', 1, 2] })).toEqual({
      anyOf: [{ type: 'string', enum: ['a'] }, { type: 'integer', enum: ['1', '2'] }],
    });
    expect(convertProp({ type: ['string', 'integer', 'null'], enum: ['a', null] })).toEqual({ type: 'string', enum: ['a'], nullable: true });
  });

  test('anyOf with a null branch: nullable, and a single remaining branch is inlined', () => {
    expect(convertProp({ anyOf: [{ type: 'string', minLength: 2 }, { type: 'null' }], title: 'Nick', default: null })).toEqual({
      type: 'string', minLength: 2, nullable: true, title: 'Nick',
    });
    expect(convertProp({ anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] })).toEqual({
      nullable: true, anyOf: [{ type: 'string' }, { type: 'integer' }],
    });
    expect(convertProp({ anyOf: [{ type: 'null' }] })).toEqual({ nullable: true });
  });

  test('the outer description wins over the inlined branch', () => {
    expect(convertProp({ anyOf: [{ type: 'string', description: 'inner' }, { type: 'null' }], description: 'outer' })).toEqual({
      type: 'string', description: 'outer', nullable: true,
    });
  });

  test('oneOf → anyOf (null handled the same)', () => {
    expect(convertProp({ oneOf: [{ type: 'string' }, { type: 'integer' }] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(convertProp({ oneOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({ type: 'string', nullable: true });
  });

  test('anyOf branches are converted recursively', () => {
    expect(
      convertProp({
        anyOf: [
          { type: 'object', properties: { a: { type: 'string', format: 'email' } }, additionalProperties: false },
          { type: 'array', items: { const: 1 } },
        ],
      }),
    ).toEqual({
      anyOf: [
        { type: 'object', properties: { a: { type: 'string' } } },
        { type: 'array', items: { type: 'integer', enum: ['1'] } },
      ],
    });
  });
});

describe('toGeminiSchema: allOf', () => {
  test('object branches merge: properties and required unioned', () => {
    expect(
      toGeminiSchema({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { type: 'object', properties: { b: { type: 'integer' } }, required: ['b'], additionalProperties: false },
        ],
        description: 'both',
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a', 'b'],
      description: 'both',
    });
  });

  test('a branch holding only `required` for a sibling branch\'s property still counts', () => {
    expect(toGeminiSchema({ allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { required: ['a'] }] })).toEqual({
      type: 'object', properties: { a: { type: 'string' } }, required: ['a'],
    });
  });

  test('branches of different types: the first is kept', () => {
    expect(convertProp({ allOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] })).toEqual({ type: 'string', minLength: 1 });
  });

  test('branches that agree on a type are merged too', () => {
    expect(convertProp({ allOf: [{ type: 'string' }, { minLength: 3 }] })).toEqual({ type: 'string', minLength: 3 });
  });

  test('Pydantic v1 style single-branch allOf around a $ref, with the description outside', () => {
    expect(
      toGeminiSchema({
        type: 'object',
        properties: { color: { allOf: [{ $ref: '#/definitions/Color' }], description: 'the colour' } },
        definitions: { Color: { title: 'Color', enum: ['red', 'green'], type: 'string' } },
      }),
    ).toEqual({ type: 'object', properties: { color: { type: 'string', enum: ['red', 'green'], title: 'Color', description: 'the colour' } } });
  });
});

describe('toGeminiSchema: $ref', () => {
  test('#/$defs/X and #/definitions/X are inlined, resolved against the root', () => {
    expect(
      toGeminiSchema({
        type: 'object',
        properties: {
          a: { $ref: '#/$defs/A' },
          b: { $ref: '#/definitions/B', description: 'site description wins' },
          c: { type: 'object', properties: { deep: { $ref: '#/$defs/A' } } },
        },
        $defs: { A: { type: 'string', format: 'uuid' } },
        definitions: { B: { type: 'integer', description: 'def description' } },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'integer', description: 'site description wins' },
        c: { type: 'object', properties: { deep: { type: 'string' } } },
      },
    });
  });

  test('a definition used twice (not recursive) is inlined both times', () => {
    const addr = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    expect(
      toGeminiSchema({
        type: 'object',
        properties: { billing: { $ref: '#/$defs/Addr' }, shipping: { $ref: '#/$defs/Addr' } },
        $defs: { Addr: addr },
      }),
    ).toEqual({ type: 'object', properties: { billing: addr, shipping: addr } });
  });

  test('refs into refs, pointer escapes, and a root that is itself a $ref', () => {
    expect(
      toGeminiSchema({
        $ref: '#/$defs/Root',
        $defs: {
          Root: { type: 'object', properties: { x: { $ref: '#/$defs/a~1b' } } },
          'a/b': { $ref: '#/$defs/Leaf' },
          Leaf: { type: 'boolean' },
        },
      }),
    ).toEqual({ type: 'object', properties: { x: { type: 'boolean' } } });
  });

  test('an unresolvable or remote ref keeps only what the site says', () => {
    expect(convertProp({ $ref: '#/$defs/Missing', description: 'gone' })).toEqual({ description: 'gone' });
    expect(convertProp({ $ref: 'https://example.com/schema.json' })).toEqual({});
  });

  test('a cycle is cut at the second visit with {type: object} and a description saying why', () => {
    expect(
      toGeminiSchema({
        type: 'object',
        properties: { a: { $ref: '#/$defs/A' } },
        $defs: {
          A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } } },
          B: { type: 'object', properties: { a: { $ref: '#/$defs/A' }, n: { type: 'number' } } },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        a: {
          type: 'object',
          properties: {
            b: {
              type: 'object',
              properties: { a: { type: 'object', description: 'A (recursive: same shape as the enclosing A, not expanded further)' }, n: { type: 'number' } },
            },
          },
        },
      },
    });
  });

  test('"#" refers to the root, which counts as already being expanded', () => {
    expect(toGeminiSchema({ type: 'object', properties: { name: { type: 'string' }, parent: { $ref: '#', description: 'the parent' } } })).toEqual({
      type: 'object', properties: { name: { type: 'string' }, parent: { type: 'object', description: 'the parent' } },
    });
  });

  test('exponential $ref fan-out is bounded', () => {
    // D0 refers to D1 twice, D1 to D2 twice, ... : 2^30 leaves if fully inlined.
    const defs: Obj = { D30: { type: 'string' } };
    for (let i = 0; i < 30; i++) {
      defs[`D${i}`] = { type: 'object', properties: { l: { $ref: `#/$defs/D${i + 1}` }, r: { $ref: `#/$defs/D${i + 1}` } } };
    }
    const started = performance.now();
    const out = toGeminiSchema({ type: 'object', properties: { root: { $ref: '#/$defs/D0' } }, $defs: defs });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(JSON.stringify(out).length).toBeLessThan(10_000_000);
  });
});

describe('toGeminiSchema: format', () => {
  test('only the formats Gemini accepts, for the matching type', () => {
    expect(convertProp({ type: 'string', format: 'date-time' })).toEqual({ type: 'string', format: 'date-time' });
    expect(convertProp({ type: 'string', format: 'enum', enum: ['a'] })).toEqual({ type: 'string', format: 'enum', enum: ['a'] });
    expect(convertProp({ type: 'number', format: 'float' })).toEqual({ type: 'number', format: 'float' });
    expect(convertProp({ type: 'integer', format: 'int64' })).toEqual({ type: 'integer', format: 'int64' });
    for (const format of ['email', 'uri', 'uuid', 'date', 'time', 'ipv4', 'hostname']) {
      expect(convertProp({ type: 'string', format })).toEqual({ type: 'string' });
    }
    expect(convertProp({ type: 'integer', format: 'double' })).toEqual({ type: 'integer' });
    expect(convertProp({ type: 'string', format: 'int32' })).toEqual({ type: 'string' });
    expect(convertProp({ format: 'date-time' })).toEqual({});
  });
});

describe('toGeminiSchema: properties, required, items', () => {
  test('required is filtered to declared properties; an empty result is omitted', () => {
    expect(toGeminiSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'ghost', 'a'] })).toEqual({
      type: 'object', properties: { a: { type: 'string' } }, required: ['a'],
    });
    expect(toGeminiSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['ghost'] })).toEqual({
      type: 'object', properties: { a: { type: 'string' } },
    });
  });

  test('propertyOrdering is filtered the same way', () => {
    expect(toGeminiSchema({ type: 'object', properties: { a: {}, b: {} }, propertyOrdering: ['b', 'x', 'a'] })).toEqual({
      type: 'object', properties: { a: {}, b: {} }, propertyOrdering: ['b', 'a'],
    });
  });

  test('`false` property schemas are left out; `true` ones are "anything"', () => {
    expect(toGeminiSchema({ type: 'object', properties: { no: false, any: true, a: { type: 'string' } }, required: ['no', 'a'] })).toEqual({
      type: 'object', properties: { any: {}, a: { type: 'string' } }, required: ['a'],
    });
  });

  test('nested empty objects keep type: object only', () => {
    expect(convertProp({ type: 'object', properties: {}, additionalProperties: { type: 'string' }, required: ['x'], description: 'free-form' })).toEqual({
      type: 'object', description: 'free-form',
    });
    expect(convertProp({ type: 'object' })).toEqual({ type: 'object' });
  });

  test('items: a schema, a tuple (items array or prefixItems) as anyOf of its members', () => {
    expect(convertProp({ type: 'array', items: { type: 'string', format: 'uri' } })).toEqual({ type: 'array', items: { type: 'string' } });
    expect(convertProp({ type: 'array', items: [{ type: 'string' }, { type: 'number' }] })).toEqual({
      type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    });
    expect(convertProp({ type: 'array', prefixItems: [{ type: 'string' }] })).toEqual({ type: 'array', items: { type: 'string' } });
    expect(convertProp({ type: 'array', items: false })).toEqual({ type: 'array' });
  });

  test('property names that look like prototype keys are ordinary properties', () => {
    const out = toGeminiSchema(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}},"required":["__proto__"]}'));
    expect(Object.keys(out!.properties as Obj)).toEqual(['__proto__', 'constructor']);
    expect(out!.required).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out!.properties)).toBe(Object.prototype);
  });
});

describe('toGeminiSchema: the root', () => {
  test('an object with no properties → undefined (the caller omits parameters)', () => {
    expect(toGeminiSchema({ type: 'object', properties: {} })).toBeUndefined();
    expect(toGeminiSchema({ type: 'object' })).toBeUndefined();
    expect(toGeminiSchema({ type: 'object', properties: {}, additionalProperties: false, required: [], $schema: 'x' })).toBeUndefined();
    expect(toGeminiSchema({})).toBeUndefined();
    expect(toGeminiSchema({ $ref: '#/$defs/E', $defs: { E: { type: 'object', properties: {} } } })).toBeUndefined();
  });

  test('a root that is not an empty object is returned', () => {
    expect(toGeminiSchema({ type: 'string' })).toEqual({ type: 'string' });
    expect(toGeminiSchema({ anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'string' } } }] })).toEqual({
      anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'string' } } }],
    });
  });
});

describe('toGeminiSchema: real-world schemas', () => {
  // What Pydantic v2's model_json_schema() produces for a model with a nested model, an enum, and Optionals.
  const pydantic = {
    $defs: {
      Address: {
        additionalProperties: false,
        properties: {
          street: { title: 'Street', type: 'string' },
          city: { title: 'City', type: 'string' },
          zip: { anyOf: [{ type: 'string', pattern: '^[0-9]{5}$' }, { type: 'null' }], default: null, title: 'Zip' },
        },
        required: ['street', 'city'],
        title: 'Address',
        type: 'object',
      },
      Role: { enum: ['admin', 'member'], title: 'Role', type: 'string' },
    },
    additionalProperties: false,
    properties: {
      name: { description: 'Full name', title: 'Name', type: 'string' },
      age: { anyOf: [{ minimum: 0, type: 'integer' }, { type: 'null' }], default: null, title: 'Age' },
      role: { $ref: '#/$defs/Role', default: 'member' },
      address: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }], default: null, description: 'Home address' },
      tags: { items: { type: 'string' }, title: 'Tags', type: 'array' },
      email: { format: 'email', title: 'Email', type: 'string' },
      created: { format: 'date-time', title: 'Created', type: 'string' },
      score: { anyOf: [{ type: 'number' }, { type: 'string' }], title: 'Score' },
    },
    required: ['name', 'role'],
    title: 'CreateUser',
    type: 'object',
  };

  test('Pydantic v2', () => {
    expect(toGeminiSchema(pydantic)).toEqual({
      title: 'CreateUser',
      type: 'object',
      required: ['name', 'role'],
      properties: {
        name: { description: 'Full name', title: 'Name', type: 'string' },
        age: { type: 'integer', minimum: 0, nullable: true, title: 'Age' },
        role: { type: 'string', enum: ['admin', 'member'], title: 'Role' },
        address: {
          type: 'object',
          title: 'Address',
          description: 'Home address',
          nullable: true,
          required: ['street', 'city'],
          properties: {
            street: { title: 'Street', type: 'string' },
            city: { title: 'City', type: 'string' },
            zip: { type: 'string', pattern: '^[0-9]{5}$', nullable: true, title: 'Zip' },
          },
        },
        tags: { items: { type: 'string' }, title: 'Tags', type: 'array' },
        email: { title: 'Email', type: 'string' },
        created: { format: 'date-time', title: 'Created', type: 'string' },
        score: { anyOf: [{ type: 'number' }, { type: 'string' }], title: 'Score' },
      },
    });
  });

  test('zod-to-json-schema', () => {
    const zod = {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, description: 'What to search for' },
        limit: { type: 'integer', exclusiveMinimum: 0, maximum: 100, default: 10 },
        mode: { type: 'string', const: 'fast' },
        filters: {
          type: 'object',
          properties: { lang: { type: 'string', enum: ['en', 'fr'] }, since: { type: 'string', format: 'date' } },
          additionalProperties: false,
        },
        ids: { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 10 },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['query', 'mode'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    };
    expect(toGeminiSchema(zod)).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, description: 'What to search for' },
        limit: { type: 'integer', maximum: 100 },
        mode: { type: 'string', enum: ['fast'] },
        filters: { type: 'object', properties: { lang: { type: 'string', enum: ['en', 'fr'] }, since: { type: 'string' } } },
        ids: { type: 'array', items: { type: 'string' }, maxItems: 10 },
        meta: { type: 'object' },
      },
      required: ['query', 'mode'],
    });
  });

  test('a recursive tree node', () => {
    const tree = {
      type: 'object',
      properties: { tree: { $ref: '#/$defs/TreeNode' } },
      required: ['tree'],
      $defs: {
        TreeNode: {
          type: 'object',
          title: 'TreeNode',
          properties: {
            value: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/TreeNode' } },
          },
          required: ['value', 'children'],
        },
      },
    };
    expect(toGeminiSchema(tree)).toEqual({
      type: 'object',
      required: ['tree'],
      properties: {
        tree: {
          type: 'object',
          title: 'TreeNode',
          required: ['value', 'children'],
          properties: {
            value: { type: 'string' },
            children: {
              type: 'array',
              items: { type: 'object', description: 'TreeNode (recursive: same shape as the enclosing TreeNode, not expanded further)' },
            },
          },
        },
      },
    });
  });

  test('the input is never mutated', () => {
    const inputs: Obj[] = [
      structuredClone(pydantic),
      { type: 'object', properties: { a: { type: ['string', 'null'], enum: ['x', null] }, b: { allOf: [{ properties: { c: { const: 1 } } }, { required: ['c'] }] } }, required: ['a', 'zz'] },
      { type: 'object', properties: { n: { $ref: '#' }, o: { oneOf: [{ type: 'null' }, { $ref: '#/$defs/X' }] } }, $defs: { X: { type: 'object', properties: {} } } },
    ];
    for (const input of inputs) {
      const before = structuredClone(input);
      deepFreeze(input); // any write would throw in strict-mode module code
      toGeminiSchema(input);
      expect(input).toEqual(before);
    }
  });

  test('the output shares no objects with the input', () => {
    const input = { type: 'object', properties: { e: { type: 'string', enum: ['a'] }, l: { type: 'array', items: { type: 'string' } } }, required: ['e'] };
    const out = toGeminiSchema(input)!;
    const props = out.properties as Record<string, Obj>;
    expect(props.e).not.toBe(input.properties.e);
    expect(props.e!.enum).not.toBe(input.properties.e.enum);
    expect(props.l!.items).not.toBe(input.properties.l.items);
    expect(out.required).not.toBe(input.required);
  });
});
