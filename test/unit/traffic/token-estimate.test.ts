import { beforeAll, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { countChatCompletionTokens } from 'gpt-tokenizer/model/gpt-4o';
import { estimateCompletionTokens, estimatePromptTokens, loadTokenizer } from '../../../src/traffic/token-estimate.ts';

beforeAll(() => loadTokenizer());

type Msg = { role: 'system' | 'user' | 'assistant'; content: string; name?: string };
const reference = (messages: Msg[]) => countChatCompletionTokens!({ messages });

const samples: Msg[][] = [
  [{ role: 'user', content: 'Hello!' }],
  [
    { role: 'system', content: 'You are a helpful assistant. Answer in one short paragraph.' },
    { role: 'user', content: 'What is the capital of France, and why is it famous?' },
  ],
  [
    { role: 'system', content: 'You translate English to German.' },
    { role: 'user', content: 'The quick brown fox jumps over the lazy dog.', name: 'alice' },
    { role: 'assistant', content: 'Der schnelle braune Fuchs springt über den faulen Hund.' },
    { role: 'user', content: 'Und jetzt: 東京は日本の首都です。 🚀 Done? {"json": [1, 2, 3]}' },
  ],
  [{ role: 'user', content: 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint(fib(30))' }],
];

describe('estimatePromptTokens: chat', () => {
  test('matches gpt-tokenizer chat counts on sample prompts (within a few tokens)', () => {
    for (const messages of samples) {
      const est = estimatePromptTokens({ model: 'gpt-4o', messages });
      expect(Math.abs(est - reference(messages))).toBeLessThanOrEqual(3);
    }
  });

  test('content parts count their text; images count a fixed amount by detail', () => {
    const text = 'Describe this picture in detail, please.';
    const plain = estimatePromptTokens({ messages: [{ role: 'user', content: text }] });
    const parts = (detail?: string) =>
      estimatePromptTokens({
        messages: [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: 'https://x/y.png', ...(detail ? { detail } : {}) } }] }],
      });
    expect(parts('low')).toBe(plain + 85);
    expect(parts('high')).toBe(plain + 765);
    expect(parts()).toBe(plain + 765);
  });

  test('tool definitions and tool calls add tokens, close to the reference function format', () => {
    const parameters = {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    };
    const messages: Msg[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const withTools = estimatePromptTokens({
      messages,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters } }],
    });
    const ref = countChatCompletionTokens!({ messages, functions: [{ name: 'get_weather', description: 'Current weather for a city', parameters }] as never });
    // JSON schemas take more tokens than OpenAI's internal rendering: an over-estimate, refunded on reconciliation.
    expect(withTools).toBeGreaterThanOrEqual(ref);
    expect(withTools).toBeLessThanOrEqual(ref * 2);
    const call = estimatePromptTokens({
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp": 21}' },
      ],
    });
    expect(call).toBeGreaterThan(countTokens('{"city":"Paris"}') + countTokens('{"temp": 21}'));
  });

  test('Anthropic shape: top-level system and content blocks', () => {
    const est = estimatePromptTokens({
      system: [{ type: 'text', text: 'Be terse.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi there' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'result text' }] }] },
      ],
    });
    const floor = countTokens('Be terse.') + countTokens('Hi there') + countTokens('lookup') + countTokens('result text');
    expect(est).toBeGreaterThan(floor + 3 * 3);
    expect(est).toBeLessThan(floor + 40);
  });

  test('special-token strings in user text are counted as text, not thrown', () => {
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'say <|endoftext|> now' }] })).toBeGreaterThan(5);
  });

  test('long unbroken runs (quadratic for byte-pair encoding) are estimated, not tokenized', () => {
    expect(estimatePromptTokens({ input: `${' '.repeat(50_000)}x` })).toBe(12_501);
    expect(estimatePromptTokens({ input: '東'.repeat(30_000) })).toBe(30_000);
  });

  test('past the exact-count budget the heuristic stays within 25% for English', () => {
    const long = 'The committee reviewed the proposal and asked for a revised budget by Friday. '.repeat(2000);
    const est = estimatePromptTokens({ messages: [{ role: 'user', content: long }] });
    const exact = countTokens(long);
    expect(Math.abs(est - exact) / exact).toBeLessThan(0.25);
  });
});

describe('estimatePromptTokens: completions, embeddings, Responses', () => {
  test('legacy prompt strings and token arrays', () => {
    expect(estimatePromptTokens({ prompt: 'Once upon a time' })).toBe(countTokens('Once upon a time'));
    expect(estimatePromptTokens({ prompt: ['a b', 'c d'] })).toBe(countTokens('a b') + countTokens('c d'));
    expect(estimatePromptTokens({ prompt: [1, 2, 3] })).toBe(3);
  });

  test('embedding inputs: strings tokenized, token arrays by length', () => {
    expect(estimatePromptTokens({ input: 'hello world' })).toBe(countTokens('hello world'));
    expect(estimatePromptTokens({ input: ['hello', 'world!'] })).toBe(countTokens('hello') + countTokens('world!'));
    expect(estimatePromptTokens({ input: [[1, 2, 3], [4, 5]] })).toBe(5);
  });

  test('Responses input items and instructions', () => {
    const est = estimatePromptTokens({ instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello there' }] }] });
    expect(est).toBe(3 + countTokens('Be brief.') + 3 + countTokens('user') + countTokens('Hello there') + 3);
  });

  test('unknown shapes count 0', () => {
    expect(estimatePromptTokens(null)).toBe(0);
    expect(estimatePromptTokens('text')).toBe(0);
    expect(estimatePromptTokens({ model: 'x' })).toBe(0);
  });
});

describe('estimateCompletionTokens', () => {
  test('max_completion_tokens, then max_tokens, then the default, times n', () => {
    expect(estimateCompletionTokens({ messages: [], max_completion_tokens: 200, max_tokens: 50 })).toBe(200);
    expect(estimateCompletionTokens({ messages: [], max_tokens: 50 })).toBe(50);
    expect(estimateCompletionTokens({ messages: [] })).toBe(1024);
    expect(estimateCompletionTokens({ messages: [] }, 300)).toBe(300);
    expect(estimateCompletionTokens({ messages: [], max_tokens: 100, n: 3 })).toBe(300);
    expect(estimateCompletionTokens({ prompt: 'x', max_tokens: 16 })).toBe(16);
    expect(estimateCompletionTokens({ input: [{ role: 'user', content: 'x' }], max_output_tokens: 64 })).toBe(64);
  });

  test('embeddings reserve no completion', () => {
    expect(estimateCompletionTokens({ model: 'text-embedding-3-small', input: 'hello' })).toBe(0);
    expect(estimateCompletionTokens({ input: [[1, 2]] })).toBe(0);
  });
});

describe('the caller names the shape', () => {
  test('a Responses body with a plain string input reserves completion tokens when named as one', () => {
    const body = { model: 'gpt-4o', input: 'hello there' };
    expect(estimateCompletionTokens(body, 1024)).toBe(0); // by shape alone it reads as embeddings
    expect(estimateCompletionTokens(body, 1024, 'responses')).toBe(1024);
    expect(estimatePromptTokens(body, 'responses')).toBeGreaterThan(estimatePromptTokens(body, 'embeddings'));
  });
});
