import { embeddingInputs, encodeEmbeddings } from '../../protocols/openai/embeddings.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../protocols/openai/types.ts';
import type { JsonResult, UpstreamCall } from '../types.ts';
import { callDeadline, readUpstreamJson } from '../upstream-call.ts';
import { postGemini, type GeminiUpstream } from './upstream.ts';
import { refuse } from './wire.ts';

// OpenAI embeddings → Gemini embedContent / batchEmbedContents (providers.md 3.4). One input per content:
// putting several texts into one content's parts yields ONE embedding (a pitfall, 3.6), so arrays go through
// batchEmbedContents, at most 100 per call.

const BATCH = 100;

interface Values {
  values: number[];
}

/** Gemini reports no token usage for embeddings; a quarter of the characters is the estimate accounting gets. */
const estimateTokens = (texts: string[]) => texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);

function textInputs(provider: string, req: EmbeddingRequest): string[] {
  const inputs = embeddingInputs(req.input);
  if (inputs.length === 0) throw refuse(provider, 'input', 'an empty input list');
  inputs.forEach((x, i) => {
    if (typeof x !== 'string') throw refuse(provider, inputs.length === 1 ? 'input' : `input[${i}]`, 'token-array inputs (send text)');
  });
  return inputs as string[];
}

function requestFor(model: string, text: string, req: EmbeddingRequest): Record<string, unknown> {
  const r: Record<string, unknown> = { model: `models/${model}`, content: { parts: [{ text }] } };
  if (typeof req.dimensions === 'number') r.outputDimensionality = req.dimensions;
  // Gemini's own retrieval hint, for clients that send it as an extra.
  const taskType = req.task_type ?? req.taskType;
  if (typeof taskType === 'string') r.taskType = taskType;
  return r;
}

async function embedBatch(up: GeminiUpstream, model: string, texts: string[], req: EmbeddingRequest, call: UpstreamCall): Promise<number[][]> {
  const deadline = callDeadline(up, call);
  if (texts.length === 1) {
    const res = await postGemini(up, model, 'embedContent', JSON.stringify(requestFor(model, texts[0]!, req)), call, deadline);
    const body = await readUpstreamJson<{ embedding?: Values }>(up, res, call, deadline);
    return [body.embedding?.values ?? []];
  }
  const res = await postGemini(up, model, 'batchEmbedContents', JSON.stringify({ requests: texts.map((t) => requestFor(model, t, req)) }), call, deadline);
  const body = await readUpstreamJson<{ embeddings?: Values[] }>(up, res, call, deadline);
  return (body.embeddings ?? []).map((e) => e.values);
}

export async function embed(up: GeminiUpstream, req: EmbeddingRequest, call: UpstreamCall): Promise<JsonResult<EmbeddingResponse>> {
  const texts = textInputs(up.name, req);
  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) batches.push(texts.slice(i, i + BATCH));
  const vectors = (await Promise.all(batches.map((b) => embedBatch(up, call.model, b, req, call)))).flat();
  const tokens = estimateTokens(texts);
  const resp: EmbeddingResponse = {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: call.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  return {
    kind: 'json',
    body: encodeEmbeddings(resp, req.encoding_format),
    usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
    usageEstimated: true,
  };
}
