import { describe, expect, test } from 'bun:test';
import { embeddingInputs, encodeEmbeddings, floatsToBase64 } from '../../../../src/protocols/openai/embeddings.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../../../src/protocols/openai/types.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { createMockAdapter } from '../../../../src/providers/mock/index.ts';

const adapter = createMockAdapter('demo', { type: 'mock', chunk_delay: 0 });
const call = (model = 'embed') => ({ model, signal: new AbortController().signal, includeUsage: false, traceId: 't' });

async function embed(req: Partial<EmbeddingRequest>, model?: string): Promise<EmbeddingResponse> {
  const result = await adapter.embed!({ model: 'demo/embed', input: 'hello', ...req }, call(model));
  if (typeof result.body === 'string') throw new Error('mock returned text');
  return result.body;
}

function decode(b64: string): number[] {
  const bytes = Buffer.from(b64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('embedding helpers', () => {
  test('floatsToBase64 is little-endian float32', () => {
    expect(floatsToBase64([0.5, -1.0, 0.25])).toBe('AAAAPwAAgL8AAIA+');
    expect(floatsToBase64([])).toBe('');
  });

  test('embeddingInputs: a flat number[] is one input', () => {
    expect(embeddingInputs('a')).toEqual(['a']);
    expect(embeddingInputs(['a', 'b'])).toEqual(['a', 'b']);
    expect(embeddingInputs([1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(embeddingInputs([[1, 2], [3]])).toEqual([[1, 2], [3]]);
    expect(embeddingInputs([])).toEqual([]);
  });

  test('encodeEmbeddings converts only for base64', () => {
    const resp: EmbeddingResponse = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5, -1, 0.25] }], model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } };
    expect(encodeEmbeddings(resp, 'float')).toBe(resp);
    expect(encodeEmbeddings(resp, undefined)).toBe(resp);
    expect(encodeEmbeddings(resp, 'base64').data[0]?.embedding).toBe('AAAAPwAAgL8AAIA+');
    expect(resp.data[0]?.embedding).toEqual([0.5, -1, 0.25]);
  });
});

describe('mock embeddings', () => {
  test('one deterministic unit vector per input, 1536 wide by default', async () => {
    const res = await embed({ input: ['alpha', 'beta', 'alpha'] });
    expect(res.object).toBe('list');
    expect(res.model).toBe('embed');
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [a, b, a2] = res.data.map((d) => d.embedding as number[]);
    expect(a).toHaveLength(1536);
    expect(a2).toEqual(a!);
    expect(b).not.toEqual(a!);
    expect(Math.abs(norm(a!) - 1)).toBeLessThan(1e-5);
    expect((await embed({ input: ['alpha'] })).data[0]?.embedding).toEqual(a!);
    expect(res.usage).toEqual({ prompt_tokens: 2 + 1 + 2, total_tokens: 5 });
  });

  test('dimensions, 3-large width and token-array inputs', async () => {
    expect((await embed({ dimensions: 256 })).data[0]?.embedding).toHaveLength(256);
    expect((await embed({}, 'text-embedding-3-large')).data[0]?.embedding).toHaveLength(3072);
    const tokens = await embed({ input: [[1, 2, 3], [4]] });
    expect(tokens.data).toHaveLength(2);
    expect(tokens.usage.prompt_tokens).toBe(4);
    expect((await embed({ input: [1, 2, 3] })).data).toHaveLength(1);
  });

  test('base64 encodes the same float32 vector', async () => {
    const floats = (await embed({ input: 'same text', encoding_format: 'float' })).data[0]?.embedding as number[];
    const b64 = (await embed({ input: 'same text', encoding_format: 'base64' })).data[0]?.embedding;
    expect(typeof b64).toBe('string');
    expect(decode(b64 as string)).toEqual(floats);
  });

  test('empty input and bad dimensions are client errors', async () => {
    for (const req of [{ input: [] as string[] }, { input: '' }, { dimensions: 0 }]) {
      const err = await embed(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).failureClass).toBe('client');
      expect((err as ProviderError).status).toBe(400);
    }
  });
});
