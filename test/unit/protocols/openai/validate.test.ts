import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { DvaraError } from '../../../../src/server/errors.ts';
import { chatSchema, completionSchema, embeddingSchema, validateChat } from '../../../../src/protocols/openai/validate.ts';

describe('inbound validation', () => {
  // A refinement makes zod 4.6 re-walk the schema on every parse (~3x slower per request); schemas that
  // z.compile accepts in strict mode are the declarative kind.
  test('every inbound schema is declarative (compilable, no refinements)', () => {
    for (const schema of [chatSchema, completionSchema, embeddingSchema]) {
      expect(() => z.compile(schema, { strict: true })).not.toThrow();
    }
  });

  const errorOf = (body: unknown): DvaraError => {
    try {
      validateChat(body);
    } catch (e) {
      if (e instanceof DvaraError) return e;
    }
    throw new Error('expected a DvaraError');
  };

  test('a valid body is returned as the same object (unknown fields intact)', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], metadata: { a: 1 } };
    expect(validateChat(body) as unknown).toBe(body);
  });

  test('role-specific requirements name the field', () => {
    expect(errorOf({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }).param).toBe('messages[0].tool_call_id');
    expect(errorOf({ model: 'm', messages: [{ role: 'user' }] }).message).toBe('Missing required field: messages[0].content');
    expect(errorOf({ model: 'm', messages: [{ role: 'bogus', content: 'x' }] }).param).toBe('messages[0].role');
  });

  test('an assistant turn with tool calls and no content is valid', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: 'r' }] };
    expect(validateChat(body) as unknown).toBe(body);
  });

  test('a wrong type is not called missing', () => {
    expect(errorOf({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }).message).toStartWith('Invalid temperature');
  });
});

test('content of the wrong type is invalid, not missing', () => {
  try {
    validateChat({ model: 'm', messages: [{ role: 'user', content: 5 }] });
    throw new Error('accepted');
  } catch (e) {
    expect((e as Error).message).toStartWith('Invalid messages[0].content');
  }
});
