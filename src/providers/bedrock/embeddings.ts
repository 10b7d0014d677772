import { embeddingInputs, encodeEmbeddings } from '../../protocols/openai/embeddings.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../protocols/openai/types.ts';
import type { JsonResult, UpstreamCall } from '../types.ts';
import { callDeadline, readUpstreamJson } from '../upstream-call.ts';
import { postBedrock, type BedrockUpstream } from './upstream.ts';
import { refuse } from './wire.ts';

// OpenAI embeddings → Bedrock InvokeModel (providers.md 4.6). Titan takes one text per call (fanned out, order
// kept); Cohere takes up to 96 per call and needs an input_type. Token counts: Titan's body, Cohere's header.

const COHERE_BATCH = 96;
const TITAN_DIMENSIONS = new Set([256, 512, 1024]);

interface Embedded {
  vectors: number[][];
  tokens: number;
}

async function invoke<T>(up: BedrockUpstream, model: string, body: unknown, call: UpstreamCall): Promise<{ body: T; headers: Headers }> {
  const deadline = callDeadline(up, call);
  const res = await postBedrock(up, model, 'invoke', JSON.stringify(body), call, deadline);
  return { body: await readUpstreamJson<T>(up, res, call, deadline), headers: res.headers };
}

async function titan(up: BedrockUpstream, model: string, texts: string[], req: EmbeddingRequest, call: UpstreamCall): Promise<Embedded> {
  const v2 = !model.includes('titan-embed-text-v1') && !model.includes('titan-embed-g1');
  if (typeof req.dimensions === 'number' && (!v2 || !TITAN_DIMENSIONS.has(req.dimensions))) {
    throw refuse(up.name, 'dimensions', v2 ? `dimensions ${req.dimensions} on ${model} (256, 512 or 1024)` : `dimensions on ${model}`);
  }
  const results = await Promise.all(
    texts.map((inputText) => {
      const body: Record<string, unknown> = { inputText };
      if (typeof req.dimensions === 'number') body.dimensions = req.dimensions;
      return invoke<{ embedding?: number[]; inputTextTokenCount?: number }>(up, model, body, call);
    }),
  );
  return { vectors: results.map((r) => r.body.embedding ?? []), tokens: results.reduce((n, r) => n + (r.body.inputTextTokenCount ?? 0), 0) };
}

async function cohere(up: BedrockUpstream, model: string, texts: string[], req: EmbeddingRequest, call: UpstreamCall): Promise<Embedded> {
  if (typeof req.dimensions === 'number' && !model.includes('embed-v4')) throw refuse(up.name, 'dimensions', `dimensions on ${model}`);
  const inputType = typeof req.input_type === 'string' ? req.input_type : 'search_document';
  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += COHERE_BATCH) batches.push(texts.slice(i, i + COHERE_BATCH));
  const results = await Promise.all(
    batches.map((batch) => {
      const body: Record<string, unknown> = { texts: batch, input_type: inputType, truncate: 'END', embedding_types: ['float'] };
      if (typeof req.dimensions === 'number') body.output_dimension = req.dimensions;
      return invoke<{ embeddings?: number[][] | { float?: number[][] } }>(up, model, body, call);
    }),
  );
  const vectors = results.flatMap((r) => (Array.isArray(r.body.embeddings) ? r.body.embeddings : (r.body.embeddings?.float ?? [])));
  const tokens = results.reduce((n, r) => n + Number(r.headers.get('x-amzn-bedrock-input-token-count') ?? 0), 0);
  return { vectors, tokens };
}

export async function embed(up: BedrockUpstream, req: EmbeddingRequest, call: UpstreamCall): Promise<JsonResult<EmbeddingResponse>> {
  const inputs = embeddingInputs(req.input);
  if (inputs.length === 0) throw refuse(up.name, 'input', 'an empty input list');
  inputs.forEach((x, i) => {
    if (typeof x !== 'string') throw refuse(up.name, inputs.length === 1 ? 'input' : `input[${i}]`, 'token-array inputs (send text)');
  });
  const texts = inputs as string[];
  const model = call.model;
  let result: Embedded;
  if (/(^|\.)amazon\.titan-embed-(text|g1)/.test(model)) result = await titan(up, model, texts, req, call);
  else if (/(^|\.)cohere\.embed-/.test(model)) result = await cohere(up, model, texts, req, call);
  else throw refuse(up.name, 'model', `embeddings with ${model} (Titan text and Cohere embed models)`);
  const resp: EmbeddingResponse = {
    object: 'list',
    data: result.vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
  };
  return { kind: 'json', body: encodeEmbeddings(resp, req.encoding_format), usage: { prompt_tokens: result.tokens, completion_tokens: 0, total_tokens: result.tokens } };
}
