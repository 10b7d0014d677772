import { DvaraError } from '../../server/errors.ts';
import { embeddingInputs } from './embeddings.ts';
import type { EmbeddingRequest } from './types.ts';

// OpenAI's embeddings API also takes token ids (number[] or number[][]), and LangChain's OpenAIEmbeddings sends
// them by default. Adapters that say so (`embedsTokenIds`: OpenAI, Azure, vLLM) get them as they are; the
// others get them decoded with cl100k_base, the encoding of OpenAI's embedding models and LangChain's fallback.

export function hasTokenInput(req: EmbeddingRequest): boolean {
  return Array.isArray(req.input) && req.input.length > 0 && typeof req.input[0] !== 'string';
}

/** The request with every token-id input decoded to text (the tokenizer loads on first use only). */
export async function decodeTokenInputs(req: EmbeddingRequest): Promise<EmbeddingRequest> {
  const { decode } = await import('gpt-tokenizer/encoding/cl100k_base');
  const inputs = embeddingInputs(req.input);
  const texts = inputs.map((x, i) => {
    if (typeof x === 'string') return x;
    try {
      return decode(x);
    } catch {
      throw new DvaraError('INVALID_REQUEST', 'Token ids are not valid cl100k_base tokens; send the text instead', { param: inputs.length === 1 ? 'input' : `input[${i}]` });
    }
  });
  return { ...req, input: texts };
}
