// Embedding helpers shared by every adapter: float-only upstreams (Gemini, Bedrock, the mock) still have to answer
// `encoding_format: "base64"`, which openai-node sends by default and decodes client-side.
import type { EmbeddingResponse, PromptInput } from './types.ts';

/** Raw little-endian float32 bytes, base64-encoded: the layout openai-node's decoder expects on any host. */
export function floatsToBase64(v: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(v.length * 4));
  v.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return Buffer.from(view.buffer).toString('base64');
}

function isTokenArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((t) => typeof t === 'number');
}

/**
 * The individual inputs of an embeddings or completions request. A flat number[] is ONE tokenised input,
 * not one input per number, which is the easy mistake with OpenAI's union.
 */
export function embeddingInputs(input: PromptInput): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length === 0) return [];
  if (isTokenArray(input)) return [input];
  return (input as ReadonlyArray<string | number[]>).map((item) => (typeof item === 'string' ? item : [...item]));
}

/** Converts float vectors to base64 strings when the client asked for base64; otherwise returns `resp` unchanged. */
export function encodeEmbeddings(resp: EmbeddingResponse, format: 'float' | 'base64' | undefined): EmbeddingResponse {
  if (format !== 'base64') return resp;
  return {
    ...resp,
    data: resp.data.map((d) => (typeof d.embedding === 'string' ? d : { ...d, embedding: floatsToBase64(d.embedding) })),
  };
}
