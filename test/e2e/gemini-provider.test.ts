// The gemini provider end to end: the official openai SDK → the real gateway → the fake Gemini API, which
// parses bodies like Google's front end (unknown fields, schema keywords and string function responses are
// 400s) and streams Google's own SSE bytes. The integration guide's "After (via Dvara)" example, streaming,
// tools (with Gemini 3's thought signatures), structured output, embeddings, blocked prompts, errors, failover
// and Vertex AI.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { errorReply, geminiChunk, geminiError, retryInfo, sseReply, startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';

const KEY = 'AIzaTestKey0123456789abcdefghijklmnop';
const TOKEN = 'ya29.vertex-test-token';
let fake: FakeGemini;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey: KEY, vertexToken: TOKEN });
  gw = await startTestGateway(`
providers:
  gemini: { type: gemini, api_key: ${KEY}, base_url: "${fake.url}" }
  vertex: { type: gemini, base_url: "${fake.url}", vertex: { project: my-proj, location: europe-west4, access_token: ${TOKEN} } }
  badkey: { type: gemini, api_key: AIzaWrongKey0123456789abcdefghij, base_url: "${fake.url}" }
  demo: { type: mock }
routes:
  - match: flash-with-fallback
    targets: [{ provider: gemini, model: gemini-2.0-flash }, { provider: demo, model: echo }]
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const caught = (p: PromiseLike<unknown>): Promise<any> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e);
const post = (json: unknown) => api(gw, '/v1/chat/completions', { method: 'POST', json });

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe('chat', () => {
  test("the guide's example: gemini-2.0-flash reaches generateContent with the key in x-goog-api-key", async () => {
    const res = await client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Explain how AI works' }] });
    expect(res.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'You said: Explain how AI works' }, finish_reason: 'stop' });
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(rec.headers['x-goog-api-key']).toBe(KEY);
    expect(rec.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Explain how AI works' }] }] });
  });

  test('system → systemInstruction, assistant → model, parameters → generationConfig', async () => {
    const res = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'one two three four five' }],
      max_tokens: 3, temperature: 0.3, top_p: 0.8, stop: ['END'], seed: 7,
    });
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(fake.last()!.body).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      contents: [{ role: 'user' }, { role: 'model', parts: [{ text: 'Hello!' }] }, { role: 'user' }],
      generationConfig: { maxOutputTokens: 3, temperature: 0.3, topP: 0.8, stopSequences: ['END'], seed: 7 },
    });
  });

  test('a remote image is fetched by Dvara and sent inline', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const images = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(png, { headers: { 'content-type': 'image/png' } }) });
    try {
      const res = await client.chat.completions.create({
        model: 'gemini-2.0-flash',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `http://127.0.0.1:${images.port}/cat.png` } }] }],
      });
      expect(res.choices[0]!.message.content).toContain('image');
      expect(fake.last()!.body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: png.toString('base64') } });
    } finally {
      images.stop(true);
    }
  });

  test('a prompt Gemini blocks is a clear 400, not an empty answer', async () => {
    const err = await caught(client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'BLOCKME please' }] }));
    expect(err.status).toBe(400);
    expect(err.error.message).toContain('blocked the prompt (blockReason SAFETY)');
  });

  test('a candidate stopped for safety ends with content_filter', async () => {
    const res = await client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'UNSAFEOUT' }] });
    expect(res.choices[0]!.finish_reason).toBe('content_filter');
  });
});

describe('streaming', () => {
  test('alt=sse events (CRLF, no [DONE]) become OpenAI chunks ending with [DONE] and usage', async () => {
    for (let i = 0; i < 3; i++) {
      // The fake rotates the final event's shape (finish on the last text, an empty text part, no parts).
      const chunks = await collect(
        await client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Stream me a few words please' }], stream: true, stream_options: { include_usage: true } }),
      );
      expect(fake.last()!.path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent');
      expect(fake.last()!.search).toBe('?alt=sse');
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: Stream me a few words please');
      expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    }
  });

  test('an error event mid-stream ends the stream with an error event', async () => {
    fake.script(sseReply([geminiChunk([{ text: 'Hel' }]), geminiError(500, 'INTERNAL', 'An internal error has occurred.')]));
    const body = await (await post({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], stream: true })).text();
    expect(body).toContain('"content":"Hel"');
    expect(body).toContain('"message":"Provider gemini failed (upstream 500 INTERNAL): An internal error has occurred."');
    expect(body).not.toContain('[DONE]');
  });

  test('a stream cut before its finish is an error, never an invented stop', async () => {
    fake.script(sseReply([geminiChunk([{ text: 'Hello' }])], { destroy: true }));
    const body = await (await post({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], stream: true })).text();
    expect(body).toContain('"content":"Hello"');
    expect(body).toContain('"error":');
    expect(body).not.toContain('"finish_reason":"stop"');
  });
});

describe('tools and structured output', () => {
  const tools: ChatCompletionTool[] = [
    {
      type: 'function',
      function: { name: 'get_weather', description: 'Weather in a city', parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
    },
  ];

  for (const model of ['gemini-2.5-flash', 'gemini-3-pro-preview']) {
    test(`a tool round trip on ${model}: schema cleaned, ids minted, results matched by name (signatures replayed)`, async () => {
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await client.chat.completions.create({ model, messages, tools });
      expect(first.choices[0]!.finish_reason).toBe('tool_calls');
      const call = first.choices[0]!.message.tool_calls![0]!;
      expect(call.id).toStartWith('call_');
      expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: expect.any(String) });
      expect(fake.last()!.body.tools[0].functionDeclarations[0].parameters).toEqual({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
      messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '18C and sunny' });
      // The fake, like Gemini 3, refuses a replayed function call without its thought signature.
      const second = await client.chat.completions.create({ model, messages, tools });
      expect(second.choices[0]!.message.content).toContain('18C and sunny');
      const sent = fake.last()!.body.contents;
      expect(sent[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { name: 'get_weather', content: '18C and sunny' } } }] });
      if (model.startsWith('gemini-3')) expect(sent[1].parts[0].thoughtSignature).toEqual(expect.any(String));
    });
  }

  test('tool calls stream whole: id, name and arguments in one delta; tool_choice required → ANY', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'required', stream: true }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(deltas[0]!.function!.arguments!)).toEqual({ city: expect.any(String) });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(fake.last()!.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  test('structured output: json_schema → responseMimeType + responseSchema, parsed by the SDK helper', async () => {
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    const res = await client.chat.completions.parse({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Paris weather as JSON' }], response_format: zodResponseFormat(Weather, 'weather') });
    expect(res.choices[0]!.message.parsed).toEqual({ city: expect.any(String), celsius: expect.any(Number) });
    const config = fake.last()!.body.generationConfig;
    expect(config.responseMimeType).toBe('application/json');
    expect(config.responseSchema).not.toHaveProperty('additionalProperties');
  });
});

describe('embeddings', () => {
  test('one input → embedContent; several → batchEmbedContents; dimensions → outputDimensionality', async () => {
    const one = await client.embeddings.create({ model: 'text-embedding-004', input: 'hello' });
    expect(one.data[0]!.embedding).toHaveLength(768);
    expect(fake.last()!.path).toBe('/v1beta/models/text-embedding-004:embedContent');
    const many = await client.embeddings.create({ model: 'gemini/gemini-embedding-001', input: ['a', 'b', 'c'], dimensions: 256 });
    expect(many.data.map((d) => [d.index, d.embedding.length])).toEqual([[0, 256], [1, 256], [2, 256]]);
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(rec.body.requests).toHaveLength(3);
    expect(rec.body.requests[0]).toMatchObject({ model: 'models/gemini-embedding-001', outputDimensionality: 256 });
    expect(many.usage.prompt_tokens).toBeGreaterThan(0);
  });
});

describe('the Anthropic front door onto Gemini', () => {
  test('POST /v1/messages with a gemini-* model is translated, streamed and unstreamed', async () => {
    const res = await api(gw, '/v1/messages', { method: 'POST', json: { model: 'gemini-2.0-flash', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello via Messages' }] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'You said: Hello via Messages' }], stop_reason: 'end_turn' });
    expect(fake.last()!.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    const stream = await (await api(gw, '/v1/messages', { method: 'POST', json: { model: 'gemini-2.0-flash', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Stream via Messages' }] } })).text();
    expect(stream).toContain('event: message_start');
    expect(stream).toContain('event: message_stop');
  });
});

describe('errors and Vertex', () => {
  test('429 RESOURCE_EXHAUSTED fails over; without a fallback it is 502 with Retry-After from RetryInfo', async () => {
    fake.script(errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [retryInfo('34.4s')]));
    const ok = await client.chat.completions.create({ model: 'flash-with-fallback', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.choices[0]!.message.content).toContain('hi');
    fake.script(errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [retryInfo('34.4s')]));
    const res = await post({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBe('35');
  });

  test("a bad API key (Google's 400 API_KEY_INVALID) is Dvara's credentials: 502, key never echoed", async () => {
    const res = await post({ model: 'badkey/gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(body).toContain('rejected Dvara');
    expect(body).not.toContain('AIzaWrongKey');
  });

  test("the client's own mistakes keep Google's words and a 400 (too many stop sequences is refused before sending)", async () => {
    const err = await caught(client.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b', 'c', 'd', 'e', 'f'] }));
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('stop');
    expect(fake.requests).toHaveLength(0);
  });

  test('Vertex AI: the publisher-model path with a bearer token', async () => {
    const res = await client.chat.completions.create({ model: 'vertex/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi vertex' }] });
    expect(res.choices[0]!.message.content).toBe('You said: hi vertex');
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(rec.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(rec.headers['x-goog-api-key']).toBeUndefined();
  });
});
