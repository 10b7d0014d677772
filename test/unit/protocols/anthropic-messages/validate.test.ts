import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { DvaraError } from '../../../../src/server/errors.ts';
import {
  countTokensSchema,
  messagesSchema,
  translatableSchema,
  validateCountTokens,
  validateMessages,
  validateTranslatable,
} from '../../../../src/protocols/anthropic-messages/validate.ts';

const ok = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

function errorOf(fn: () => unknown): DvaraError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DvaraError) return e;
  }
  throw new Error('expected a DvaraError');
}

describe('Anthropic inbound validation', () => {
  // Same rule as the OpenAI door: refinements make zod re-walk the schema on every parse.
  test('every schema is declarative (compilable, no refinements)', () => {
    for (const schema of [messagesSchema, countTokensSchema, translatableSchema]) {
      expect(() => z.compile(schema, { strict: true })).not.toThrow();
    }
  });

  test('a valid body is returned as the same object, unknown fields and block types intact', () => {
    const body = { ...ok, messages: [{ role: 'user', content: [{ type: 'search_result', whatever: 1 }] }], thinking: { type: 'enabled' } };
    expect(validateMessages(body) as unknown).toBe(body);
  });

  test('missing fields are called missing and named', () => {
    expect(errorOf(() => validateMessages({ model: 'm', messages: ok.messages })).message).toBe('Missing required field: max_tokens');
    expect(errorOf(() => validateMessages({ model: 'm', max_tokens: 1 })).param).toBe('messages');
    expect(errorOf(() => validateMessages({ ...ok, messages: [{ role: 'user' }] })).message).toBe('Missing required field: messages[0].content');
    expect(errorOf(() => validateMessages([])).message).toBe('Request body must be a JSON object');
  });

  test('wrong values name the field', () => {
    expect(errorOf(() => validateMessages({ ...ok, max_tokens: 0 })).param).toBe('max_tokens');
    expect(errorOf(() => validateMessages({ ...ok, temperature: 1.5 })).param).toBe('temperature');
    expect(errorOf(() => validateMessages({ ...ok, messages: [{ role: 'system', content: 'x' }] })).param).toBe('messages[0].role');
    expect(errorOf(() => validateMessages({ ...ok, messages: [{ role: 'user', content: 5 }] })).message).toBe('Invalid messages[0].content: must be a string or an array of content blocks');
    expect(errorOf(() => validateMessages({ ...ok, tool_choice: { type: 'tool' } })).message).toBe('Missing required field: tool_choice.name');
  });

  test('count_tokens needs no max_tokens', () => {
    const body = { model: 'm', messages: ok.messages };
    expect(validateCountTokens(body) as unknown).toBe(body);
  });

  test('translation checks blocks by role and reports the deepest field', () => {
    const user = (content: unknown) => validateTranslatable({ ...ok, messages: [{ role: 'user', content }] }, 'p');
    expect(errorOf(() => user([{ type: 'text', text: 'a' }, { type: 'tool_use', id: 'x', name: 'f', input: {} }])).message).toStartWith(
      'Invalid messages[0].content[1].type: is not a user block type Dvara can translate',
    );
    expect(errorOf(() => user([{ type: 'tool_result' }])).message).toStartWith('Missing required field: messages[0].content[0].tool_use_id (translating for provider p');
    expect(errorOf(() => user([{ type: 'document', source: { type: 'url', url: 'u' } }])).param).toBe('messages[0].content[0].source.type');
    expect(errorOf(() => validateTranslatable({ ...ok, tools: [{ name: 'f' }] }, 'p')).param).toBe('tools[0].input_schema');
    expect(errorOf(() => validateTranslatable({ ...ok, system: [{ type: 'image' }] }, 'p')).param).toBe('system[0].type');
  });

  test('translation accepts thinking history and custom tools', () => {
    const body = {
      ...ok,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'redacted_thinking', data: 'x' }, { type: 'text', text: 'a' }] },
      ],
      tools: [{ type: 'custom', name: 'f', input_schema: { type: 'object' } }, { name: 'g', input_schema: {} }],
    };
    expect(validateTranslatable(body, 'p') as unknown).toBe(body);
  });
});
