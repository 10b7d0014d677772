// The bedrock provider end to end: the official openai SDK → the real gateway → the fake Bedrock Runtime, which
// refuses any request whose SigV4 signature does not verify and streams real eventstream frames (one split
// across TCP writes). The integration guide's "After (via Dvara)" example, streaming, tools, structured output,
// embeddings, errors and failover.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { EXAMPLE_CREDENTIALS, planConverse, startFakeBedrock, type FakeBedrock } from '../fakes/bedrock-upstream.ts';

const [AKID, SECRET] = Object.entries(EXAMPLE_CREDENTIALS)[0]!;
const SONNET = 'anthropic.claude-3-sonnet-20240229-v1:0';
let fake: FakeBedrock;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeBedrock();
  gw = await startTestGateway(`
providers:
  bedrock: { type: bedrock, region: us-east-1, access_key_id: ${AKID}, secret_access_key: "${SECRET}", base_url: "${fake.url}" }
  wrongkey: { type: bedrock, region: us-east-1, access_key_id: ${AKID}, secret_access_key: not-the-secret, base_url: "${fake.url}" }
  demo: { type: mock }
routes:
  - match: sonnet-with-fallback
    targets: [{ provider: bedrock, model: "${SONNET}" }, { provider: demo, model: echo }]
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const caught = (p: PromiseLike<unknown>): Promise<any> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e);

/** The usage the fake reported for the last request, in OpenAI's terms. */
function fakeUsage() {
  const rec = fake.last()!;
  const u = planConverse(rec.body, rec.rawBody).usage;
  const prompt = u.inputTokens + u.cacheReadInputTokens + u.cacheWriteInputTokens;
  return { prompt_tokens: prompt, completion_tokens: u.outputTokens, total_tokens: prompt + u.outputTokens };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe('chat', () => {
  test("the guide's example: bedrock/<modelId> reaches Converse, SigV4-signed, model id encoded in the path", async () => {
    const res = await client.chat.completions.create({ model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'Hello from Bedrock via Dvara!' }] });
    expect(res.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'You said: Hello from Bedrock via Dvara!' }, finish_reason: 'stop' });
    expect(res.model).toBe(SONNET);
    expect(res.usage).toMatchObject(fakeUsage());
    const rec = fake.last()!;
    expect(rec.path).toBe('/model/anthropic.claude-3-sonnet-20240229-v1%3A0/converse');
    expect(rec.headers.authorization).toStartWith(`AWS4-HMAC-SHA256 Credential=${AKID}/`);
    expect(rec.headers.authorization).toContain('/us-east-1/bedrock/aws4_request');
    expect(rec.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hello from Bedrock via Dvara!' }] }] });
    expect(JSON.stringify(rec.headers)).not.toContain(SECRET);
  });

  test('system, parameters and an inference profile id map to Converse', async () => {
    const model = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
    const res = await client.chat.completions.create({
      model: `bedrock/${model}`,
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'one two three four five six' }],
      max_tokens: 3, temperature: 0.2, top_p: 0.9, stop: ['END'],
    });
    expect(res.choices[0]!.finish_reason).toBe('length');
    const rec = fake.last()!;
    expect(rec.path).toBe(`/model/${encodeURIComponent(model)}/converse`);
    expect(rec.body).toMatchObject({ system: [{ text: 'Be terse.' }], inferenceConfig: { maxTokens: 3, temperature: 0.2, topP: 0.9, stopSequences: ['END'] } });
  });

  test('an image as a data URL travels as bytes with its format', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const res = await client.chat.completions.create({
      model: `bedrock/${SONNET}`,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect(res.choices[0]!.message.content).toStartWith('I see 1 image.');
    expect(fake.last()!.body.messages[0].content[1]).toEqual({ image: { format: 'png', source: { bytes: png } } });
  });
});

describe('every model family Converse serves', () => {
  const families = ['meta.llama3-1-70b-instruct-v1:0', 'amazon.nova-pro-v1:0', 'mistral.mistral-large-2407-v1:0', 'cohere.command-r-plus-v1:0', 'eu.anthropic.claude-3-haiku-20240307-v1:0'];
  for (const model of families) {
    test(`${model}: chat and stream through the same Converse mapping`, async () => {
      const res = await client.chat.completions.create({ model: `bedrock/${model}`, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], max_tokens: 50 });
      expect(res.choices[0]!.message.content).toBe('You said: Hello');
      expect(fake.last()!.path).toBe(`/model/${encodeURIComponent(model)}/converse`);
      const chunks = await collect(await client.chat.completions.create({ model: `bedrock/${model}`, messages: [{ role: 'user', content: 'Hello' }], stream: true }));
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: Hello');
    });
  }
});

describe('streaming', () => {
  test('ConverseStream frames (one split across reads) become OpenAI chunks with usage last', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'Tell me a story about frames' }], stream: true, stream_options: { include_usage: true } }),
    );
    expect(fake.last()!.path).toEndWith('/converse-stream');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('You said: Tell me a story about frames');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject(fakeUsage());
  });

  test('an exception frame mid-stream ends the stream with an error event', async () => {
    fake.scriptStream(
      [['messageStart', { role: 'assistant' }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'lo' } }]],
      { exception: { type: 'modelStreamErrorException', message: 'The model stopped unexpectedly.' } },
    );
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'hi' }], stream: true } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('"content":"Hel"');
    expect(body).toContain('"error":');
    expect(body).toContain('The model stopped unexpectedly.');
    expect(body).not.toContain('[DONE]');
  });

  test('a stream cut in the middle of a frame is a truncation error, not an invented stop', async () => {
    fake.scriptStream([['messageStart', { role: 'assistant' }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello there' } }], ['contentBlockStop', { contentBlockIndex: 0 }]], { cutAfter: 2 });
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'hi' }], stream: true } });
    const body = await res.text();
    expect(body).toContain('Hello there');
    // The connection drops mid-frame: an error event (the reset, or a truncation), never a made-up ending.
    expect(body).toContain('"code":"PROVIDER_ERROR"');
    expect(body).not.toContain('[DONE]');
    expect(body).not.toContain('"finish_reason":"stop"');
  });

  test('a throttling exception before any content fails over to the next target', async () => {
    fake.scriptStream([['messageStart', { role: 'assistant' }]], { exception: { type: 'throttlingException', message: 'Too many requests' } });
    const chunks = await collect(await client.chat.completions.create({ model: 'sonnet-with-fallback', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toContain('hi');
    expect(chunks[0]!.model).not.toBe(SONNET);
  });
});

describe('tools and structured output', () => {
  const tools: ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } },
  ];

  test('a tool round trip: toolUse → tool_calls → toolResult, in one request Bedrock accepts', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the get_weather in Paris?' }];
    const first = await client.chat.completions.create({ model: `bedrock/${SONNET}`, messages, tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(call.id).toStartWith('tooluse_');
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '18C and sunny' });
    const second = await client.chat.completions.create({ model: `bedrock/${SONNET}`, messages, tools });
    expect(second.choices[0]!.message.content).toBe('Tool results: 18C and sunny');
    const sent = fake.last()!.body;
    expect(sent.messages[2]).toEqual({ role: 'user', content: [{ toolResult: { toolUseId: call.id, content: [{ text: '18C and sunny' }], status: 'success' } }] });
    expect(sent.toolConfig.tools[0].toolSpec.name).toBe('get_weather');
  });

  test('tool calls stream: id and name first, then argument fragments, finish tool_calls', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'get_weather please' }], tools, stream: true }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(deltas[0]!.id).toStartWith('tooluse_');
    expect(JSON.parse(deltas.map((d) => d.function?.arguments ?? '').join(''))).toEqual({ city: expect.any(String) });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('structured output through the SDK parse helper (a forced tool carries the JSON)', async () => {
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    const res = await client.chat.completions.parse({ model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'Paris weather as JSON' }], response_format: zodResponseFormat(Weather, 'weather') });
    expect(res.choices[0]!.message.parsed).toEqual({ city: expect.any(String), celsius: expect.any(Number) });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(fake.last()!.body.toolConfig.toolChoice).toEqual({ tool: { name: 'json' } });
  });
});

describe('embeddings', () => {
  test('Titan v2: one InvokeModel per input, dimensions, order kept, base64 decoded by the SDK', async () => {
    const res = await client.embeddings.create({ model: 'bedrock/amazon.titan-embed-text-v2:0', input: ['alpha', 'beta gamma'], dimensions: 256 });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]!.embedding).toHaveLength(256);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    const paths = fake.requests.map((r) => r.path);
    expect(paths).toEqual(['/model/amazon.titan-embed-text-v2%3A0/invoke', '/model/amazon.titan-embed-text-v2%3A0/invoke']);
    expect(fake.requests.map((r) => r.body.inputText).sort()).toEqual(['alpha', 'beta gamma']);
  });

  test('Cohere: one call for the batch, input_type defaulted, token count from the header', async () => {
    const res = await client.embeddings.create({ model: 'bedrock/cohere.embed-english-v3', input: ['a', 'b', 'c'], encoding_format: 'float' });
    expect(res.data).toHaveLength(3);
    expect(res.data[2]!.embedding.length).toBeGreaterThan(100);
    expect(fake.requests).toHaveLength(1);
    expect(fake.last()!.body).toMatchObject({ texts: ['a', 'b', 'c'], input_type: 'search_document' });
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
  });

  test('Titan v1 takes only the text (dimensions refused before any call); Cohere v4 answers by type', async () => {
    const v1 = await client.embeddings.create({ model: 'bedrock/amazon.titan-embed-text-v1', input: 'hello', encoding_format: 'float' });
    expect(v1.data[0]!.embedding).toHaveLength(1536);
    expect(fake.last()!.body).toEqual({ inputText: 'hello' });
    fake.reset();
    const err = await caught(client.embeddings.create({ model: 'bedrock/amazon.titan-embed-text-v1', input: 'hello', dimensions: 256 }));
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('dimensions');
    expect(fake.requests).toHaveLength(0);
    const v4 = await client.embeddings.create({ model: 'bedrock/cohere.embed-v4:0', input: ['x', 'y'], encoding_format: 'float' });
    expect(v4.data.map((d) => d.embedding.length)).toEqual([1536, 1536]);
  });
});

describe('the Anthropic front door onto Bedrock', () => {
  test('POST /v1/messages with a bedrock/ model is translated through Converse', async () => {
    const res = await api(gw, '/v1/messages', { method: 'POST', json: { model: `bedrock/${SONNET}`, max_tokens: 100, messages: [{ role: 'user', content: 'Hello via Messages' }] } });
    expect(res.status).toBe(200);
    const msg = (await res.json()) as any;
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'You said: Hello via Messages' }], stop_reason: 'end_turn' });
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(fake.last()!.path).toEndWith('/converse');
  });
});

describe('errors', () => {
  test("Bedrock's ValidationException is the client's 400 with Bedrock's words", async () => {
    fake.scriptError('ValidationException', 'The provided model identifier is invalid.');
    const err = await caught(client.chat.completions.create({ model: 'bedrock/nope', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'The provided model identifier is invalid.' });
  });

  test('a wrong secret: the fake rejects the signature → 502 naming the credentials, nothing leaked', async () => {
    const res = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: `wrongkey/${SONNET}`, messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(body).toContain('rejected Dvara');
    expect(body).toContain('AWS credentials');
    expect(body).not.toContain('not-the-secret');
  });

  test('ThrottlingException fails over; ServiceUnavailable without a fallback is 503', async () => {
    fake.scriptError('ThrottlingException', 'Too many requests, please wait before trying again.');
    const ok = await client.chat.completions.create({ model: 'sonnet-with-fallback', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.choices[0]!.message.content).toContain('hi');
    fake.scriptError('ServiceUnavailableException', 'Bedrock is unable to process your request.');
    const err = await caught(client.chat.completions.create({ model: `bedrock/${SONNET}`, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.status).toBe(503);
    expect(err.error.code).toBe('PROVIDER_UNAVAILABLE');
  });
});
