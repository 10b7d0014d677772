import { describe, expect, test } from 'bun:test';
import type { Completion, CompletionRequest } from '../../../../src/protocols/openai/types.ts';
import { createMockAdapter } from '../../../../src/providers/mock/index.ts';
import type { StreamResult } from '../../../../src/providers/types.ts';

const adapter = createMockAdapter('demo', { type: 'mock', chunk_delay: 0 });
const call = (includeUsage = false) => ({ model: 'echo', signal: new AbortController().signal, includeUsage, traceId: 't' });

async function complete(req: Partial<CompletionRequest>): Promise<Completion> {
  const result = await adapter.complete!({ model: 'demo/echo', prompt: 'Say this is a test', ...req }, call());
  if (result.kind !== 'json' || typeof result.body === 'string') throw new Error('expected a JSON body');
  return result.body;
}

interface TextChunk {
  object: string;
  choices: Array<{ text: string; index: number; finish_reason: string | null }>;
  usage?: Record<string, number> | null;
}

async function transcript(req: Partial<CompletionRequest>, includeUsage: boolean): Promise<{ data: string[]; result: StreamResult }> {
  const result = (await adapter.complete!({ model: 'demo/echo', prompt: 'Say this is a test', stream: true, ...req }, call(includeUsage))) as StreamResult;
  expect(result.kind).toBe('stream');
  const text = await new Response(result.body).text();
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  const data = text.slice(0, -2).split('\n\n').map((e) => {
    expect(e).toStartWith('data: ');
    return e.slice(6);
  });
  return { data, result };
}

describe('mock legacy completions', () => {
  test('max_tokens defaults to 16 and truncates with finish_reason length', async () => {
    const res = await complete({});
    expect(res.object).toBe('text_completion');
    expect(res.id).toMatch(/^cmpl-mock-/);
    const full = ' Mock completion for: "Say this is a test"';
    expect(res.choices[0]?.text).toBe(full.slice(0, 64));
    expect(res.choices[0]?.finish_reason).toBe('stop');
    const long = await complete({ prompt: 'a much longer prompt that will not fit in sixteen tokens at all' });
    expect(long.choices[0]?.text).toHaveLength(64);
    expect(long.choices[0]?.finish_reason).toBe('length');
    expect(long.usage?.completion_tokens).toBe(16);
    const unlimited = await complete({ prompt: 'a much longer prompt that will not fit in sixteen tokens at all', max_tokens: 100 });
    expect(unlimited.choices[0]?.finish_reason).toBe('stop');
  });

  test('prompt lists give one choice per prompt; echo prepends the prompt; usage adds up', async () => {
    const res = await complete({ prompt: ['one', 'two'], echo: true, max_tokens: 50 });
    expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(res.choices[1]?.text).toBe('two Mock completion for: "two"');
    expect(res.usage?.prompt_tokens).toBe(2);
    expect(res.usage?.completion_tokens).toBe(2 * Math.ceil(' Mock completion for: "one"'.length / 4));
    expect(res.usage?.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    const tokens = await complete({ prompt: [1, 2, 3] });
    expect(tokens.choices).toHaveLength(1);
    expect(tokens.usage?.prompt_tokens).toBe(3);
  });

  test('stream: text deltas rebuild the text, finish_reason on the last text chunk, usage only when asked', async () => {
    const expected = (await complete({ max_tokens: 100 })).choices[0]!.text;
    const plain = await transcript({ max_tokens: 100 }, false);
    const chunks = plain.data.slice(0, -1).map((d) => JSON.parse(d) as TextChunk);
    expect(chunks.every((c) => c.object === 'text_completion' && !('usage' in c))).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.text).join('')).toBe(expected);
    expect(chunks.map((c) => c.choices[0]?.finish_reason)).toEqual([...Array(chunks.length - 1).fill(null), 'stop']);
    expect((await plain.result.usage).partial).toBe(false);

    const withUsage = await transcript({ prompt: 'a much longer prompt that will not fit in sixteen tokens at all' }, true);
    const parsed = withUsage.data.slice(0, -1).map((d) => JSON.parse(d) as TextChunk);
    const last = parsed.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(parsed.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(parsed.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect((await withUsage.result.usage).usage).toEqual(last.usage as never);
  });
});
