// Token-id embedding inputs (LangChain's OpenAIEmbeddings sends them by default): forwarded as they are to
// OpenAI, decoded to text (cl100k_base) for providers that only read text.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import OpenAI from 'openai';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let gemini: FakeGemini;
let openai: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gemini = await startFakeGemini();
  openai = await startFakeOpenAI();
  gw = await startTestGateway(`
providers:
  gemini: { type: gemini, api_key: AIzaTokens, base_url: "${gemini.url}" }
  openai: { type: openai, api_key: sk-tokens, base_url: "${openai.url}/v1" }
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await gemini?.stop();
  await openai?.stop();
});

test('token arrays reach OpenAI unchanged', async () => {
  const tokens = [encode('hello world'), encode('second text')];
  const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: tokens });
  expect(res.data).toHaveLength(2);
  expect(openai.last()!.body.input).toEqual(tokens);
});

test('token arrays are decoded to text for Gemini (one input and several)', async () => {
  const one = await client.embeddings.create({ model: 'text-embedding-004', input: encode('The quick brown fox') });
  expect(one.data).toHaveLength(1);
  expect(gemini.last()!.body.content.parts[0].text).toBe('The quick brown fox');
  await client.embeddings.create({ model: 'text-embedding-004', input: [encode('alpha beta'), encode('gamma')] });
  expect(gemini.last()!.body.requests.map((r: any) => r.content.parts[0].text)).toEqual(['alpha beta', 'gamma']);
});

test('ids outside the vocabulary are a 400 naming the input', async () => {
  const res = await api(gw, '/v1/embeddings', { method: 'POST', json: { model: 'text-embedding-004', input: [[1, 2], [99999999]] } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as any).error).toMatchObject({ code: 'INVALID_REQUEST', param: 'input[1]' });
});
