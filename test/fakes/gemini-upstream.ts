// A fake Google Gemini API for gateway tests, on the shared scripted server: the Generative Language API
// (POST /{v1,v1beta}/models/{model}:generateContent | :streamGenerateContent | :embedContent |
// :batchEmbedContents | :countTokens, key in x-goog-api-key or ?key=) and Vertex AI's publisher-model paths
// (POST /{v1,v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}:..., Bearer token), with
// the same bodies. It parses bodies as Google's front end does (gemini-proto.ts), validates them as the
// backend does (gemini-validate.ts), answers deterministically (gemini-plan.ts) in Google's bytes
// (gemini-wire.ts), records every request, and can be scripted to misbehave (quota errors, mid-stream
// `data: {"error":...}`, cut connections, slow headers).
import { randomBytes } from 'node:crypto';
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from './scripted-server.ts';
import { fakeVector, fragments } from './openai-wire.ts';
import { normalizeMessage, type Violation } from './gemini-proto.ts';
import { validateGenerate } from './gemini-validate.ts';
import { planReply } from './gemini-plan.ts';
import { badRequest, errorReply, generateBody, jsonArrayPieces, jsonReply, sseReply, streamChunks, type FinalChunkStyle, type ReplyMeta } from './gemini-wire.ts';

export type { RecordedRequest, ScriptedReply } from './scripted-server.ts';
export * from './gemini-wire.ts';
export { planReply, schemaToJsonSchema, thoughtSignature, THOUGHT_TEXT, type GeminiPlan } from './gemini-plan.ts';
export { SKIP_SIGNATURE } from './gemini-validate.ts';

export interface FakeGemini {
  url: string; // http://127.0.0.1:PORT, the base URL (no /v1beta)
  port: number;
  requests: RecordedRequest[];
  last(): RecordedRequest | undefined;
  reset(): void; // clears requests and scripted replies
  script(reply: ScriptedReply): void; // one-shot reply for the next request, FIFO
  stop(): Promise<void>;
}

export interface FakeGeminiOptions {
  /** The only API key accepted; any non-empty key when unset. */
  apiKey?: string;
  /** The only Vertex AI bearer token accepted; any non-empty token when unset. */
  vertexToken?: string;
  chunkDelayMs?: number;
  /** How the final stream chunk carries finishReason; unset rotates through all three styles per stream. */
  finalChunk?: FinalChunkStyle;
}

interface Route {
  vertex: boolean;
  version: string;
  resource: string; // `models/x` or `projects/p/locations/l/publishers/google/models/x`
  model: string;
  method: string;
}

const GEMINI_PATH = /^\/(v1|v1beta|v1alpha)\/models\/([^/]+)$/;
const VERTEX_PATH = /^\/(v1|v1beta1)\/(projects\/[^/]+\/locations\/[^/]+\/publishers\/google)\/models\/([^/]+)$/;
const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'];
const STYLES: FinalChunkStyle[] = ['on-last', 'empty-text', 'no-parts'];
const AUTH_HELP = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

const isEmbedModel = (m: string) => m === 'text-embedding-004' || m === 'embedding-001' || m.startsWith('gemini-embedding-');
const isGenerateModel = (m: string) => m.startsWith('gemini-') && !isEmbedModel(m);
const errorInfo = (reason: string, service: string) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: { service } });

/** `models/gemini-2.5-flash:generateContent`, possibly URL-encoded (`%3A`), split into model and method. */
function parseRoute(path: string): Route | null {
  const g = GEMINI_PATH.exec(path);
  const v = g ? null : VERTEX_PATH.exec(path);
  const m = g ?? v;
  if (!m) return null;
  let segment: string;
  try { segment = decodeURIComponent(m[m.length - 1]!); } catch { return null; }
  const colon = segment.lastIndexOf(':');
  if (colon <= 0) return null;
  const model = segment.slice(0, colon);
  const method = segment.slice(colon + 1);
  if (!METHODS.includes(method)) return null;
  return { vertex: v !== null, version: m[1]!, resource: v ? `${m[2]}/models/${model}` : `models/${model}`, model, method };
}

/** Google's front end answers unknown paths with its HTML error page, not JSON. */
function notFoundPage(path: string): ScriptedReply {
  const html = `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`;
  return { raw: html, status: 404, contentType: 'text/html; charset=UTF-8' };
}

function authProblem(rec: RecordedRequest, route: Route, opts: FakeGeminiOptions): ScriptedReply | null {
  const bearer = /^Bearer\s+(\S+)/i.exec(rec.headers.authorization ?? '')?.[1];
  if (route.vertex) {
    const service = 'aiplatform.googleapis.com';
    if (!bearer) return errorReply(401, 'UNAUTHENTICATED', `Request is missing required authentication credential. ${AUTH_HELP}`, [errorInfo('CREDENTIALS_MISSING', service)]);
    if (opts.vertexToken !== undefined && bearer !== opts.vertexToken) return errorReply(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials. ${AUTH_HELP}`, [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', service)]);
    return null;
  }
  const service = 'generativelanguage.googleapis.com';
  const key = rec.headers['x-goog-api-key'] ?? new URLSearchParams(rec.search).get('key') ?? undefined;
  if (!key) {
    // An API key sent OpenAI-style, as a bearer token, is read as a (bad) OAuth token.
    if (bearer) return errorReply(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials. ${AUTH_HELP}`, [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', service)]);
    return errorReply(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  }
  if (opts.apiKey !== undefined && key !== opts.apiKey) {
    const message = 'API key not valid. Please pass a valid API key.';
    return errorReply(400, 'INVALID_ARGUMENT', message, [errorInfo('API_KEY_INVALID', service), { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message }]);
  }
  return null;
}

const invalid = (message: string, violations?: Violation[]) => errorReply(400, 'INVALID_ARGUMENT', message, violations ? [badRequest(violations)] : undefined);

function embedValues(req: Record<string, any>, model: string, at: string, reqName: string): number[] | ScriptedReply {
  const parts = (req.content?.parts ?? []) as Array<Record<string, any>>;
  if (!req.content) return invalid(`* ${reqName}.${at}content: content is not specified\n`); // wording guessed
  if (parts.length === 0) return invalid(`* ${reqName}.${at}content.parts: contents.parts must not be empty.\n`);
  const full = model.startsWith('gemini-embedding-') ? 3072 : 768;
  const dims = req.outputDimensionality as number | undefined;
  if (dims !== undefined && (dims < 1 || dims > full)) {
    return invalid(`* ${reqName}.${at}output_dimensionality: output_dimensionality must be between 1 and ${full}.\n`); // wording guessed
  }
  // Matryoshka-style truncation: the leading components of the full vector, not re-normalised (as Google's docs say).
  return fakeVector(parts.map((p) => p.text ?? '').join(' '), full).slice(0, dims ?? full);
}

function embedReply(route: Route, body: Record<string, any>): ScriptedReply {
  if (route.method === 'embedContent') {
    const values = embedValues(body, route.model, '', 'EmbedContentRequest');
    return Array.isArray(values) ? jsonReply({ embedding: { values } }) : values;
  }
  const requests = (body.requests ?? []) as Array<Record<string, any>>;
  if (requests.length === 0) return invalid('* BatchEmbedContentsRequest.requests: requests is not specified\n'); // wording guessed
  if (requests.length > 100) return invalid('* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n'); // wording guessed
  const embeddings: Array<{ values: number[] }> = [];
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    if (typeof r.model !== 'string' || !r.model.startsWith('models/')) return invalid(`* BatchEmbedContentsRequest.requests[${i}].model: unexpected model name format\n`);
    if (r.model !== `models/${route.model}`) {
      return invalid(`* BatchEmbedContentsRequest.requests[${i}].model: model in the request (${r.model}) does not match the model in the URL (models/${route.model}).\n`); // wording guessed
    }
    const values = embedValues(r, route.model, `requests[${i}].`, 'BatchEmbedContentsRequest');
    if (!Array.isArray(values)) return values;
    embeddings.push({ values });
  }
  return jsonReply({ embeddings });
}

export async function startFakeGemini(opts: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  let streams = 0;

  /** Behaviour when nothing is scripted: decided entirely by the request, as the real API would. */
  function defaultReply(rec: RecordedRequest): ScriptedReply {
    const route = rec.method === 'POST' ? parseRoute(rec.path) : null;
    if (!route) return notFoundPage(rec.path);
    const auth = authProblem(rec, route, opts);
    if (auth) return auth;
    let raw: unknown = rec.body;
    if (raw === null && rec.rawBody.trim() !== '') {
      try { raw = JSON.parse(rec.rawBody); } catch { return invalid('Invalid JSON payload received. Unexpected token.'); }
    }
    const embedding = route.method === 'embedContent' || route.method === 'batchEmbedContents';
    const type = { embedContent: 'EmbedContentRequest', batchEmbedContents: 'BatchEmbedContentsRequest', countTokens: 'CountTokensRequest' }[route.method] ?? 'GenerateContentRequest';
    const pkg = route.vertex ? `google.cloud.aiplatform.${route.version}` : `google.ai.generativelanguage.${route.version}`;
    const violations: Violation[] = [];
    const body = normalizeMessage(type, raw ?? {}, pkg, violations);
    if (violations.length > 0) return invalid(violations.map((v) => v.description).join('\n'), violations);

    if (!(embedding ? isEmbedModel(route.model) : isGenerateModel(route.model))) {
      const message = route.vertex
        ? `Publisher Model \`${route.resource}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`
        : `models/${route.model} is not found for API version ${route.version}, or is not supported for ${route.method}. Call ListModels to see the list of available models and their supported methods.`;
      return errorReply(404, 'NOT_FOUND', message);
    }
    if (embedding) return embedReply(route, body);
    if (route.method === 'countTokens') {
      const req = body.generateContentRequest ?? { contents: body.contents };
      if (!req.contents?.length) return invalid('* CountTokensRequest.contents: contents is not specified\n');
      const totalTokens = planReply(req, route.model).promptTokens;
      return jsonReply({ totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] });
    }
    if (body.cachedContent !== undefined) return errorReply(403, 'PERMISSION_DENIED', 'CachedContent not found (or permission denied)');
    const problem = validateGenerate(body, route.model);
    if (problem) return invalid(problem);

    const plan = planReply(body, route.model);
    const meta: ReplyMeta = { model: route.model, responseId: randomBytes(16).toString('base64url').slice(0, 22), vertex: route.vertex };
    if (route.method === 'generateContent') return jsonReply(generateBody(plan, meta));
    const style = opts.finalChunk ?? STYLES[streams++ % STYLES.length]!;
    const chunks = streamChunks(plan, meta, style, fragments);
    if (new URLSearchParams(rec.search).get('alt') === 'sse') {
      return sseReply(chunks, { delayMs: chunkDelayMs, headers: { 'content-disposition': 'attachment' } });
    }
    // Without alt=sse Google streams one JSON array, element by element (providers.md 3.6).
    return { sse: jsonArrayPieces(chunks), delayMs: chunkDelayMs, headers: { 'content-type': 'application/json; charset=UTF-8' } };
  }

  return startScriptedServer({
    chunkDelayMs,
    baseHeaders: () => ({ vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2', 'x-content-type-options': 'nosniff' }),
    defaultReply,
    crashBody: (err) => ({ error: { code: 500, message: `fake upstream crashed: ${String(err)}`, status: 'INTERNAL' } }),
  });
}
