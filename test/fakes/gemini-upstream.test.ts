// Exercises the fake Gemini upstream directly with fetch, so gateway tests can trust that what it accepts,
// rejects and emits is what the Generative Language API (and Vertex AI) would.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { SKIP_SIGNATURE, errorReply, geminiChunk, geminiError, geminiSse, googleJson, retryInfo, sseReply, startFakeGemini, type FakeGemini } from './gemini-upstream.ts';

const KEY = 'AIza-test-key';
let fake: FakeGemini;

beforeAll(async () => { fake = await startFakeGemini({ apiKey: KEY, vertexToken: 'ya29.token' }); });
afterAll(async () => { await fake.stop(); });
beforeEach(() => fake.reset());

type Obj = Record<string, any>;
const FLASH = '/v1beta/models/gemini-2.5-flash';
const user = (text: string) => ({ role: 'user', parts: [{ text }] });

function post(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': KEY }): Promise<Response> {
  return fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function call(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Obj; text: string }> {
  const res = await post(path, body, headers);
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

const errorOf = async (path: string, body: unknown) => (await call(path, body)).json.error as Obj;

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('generateContent', () => {
  test('plain text: pretty-printed body, usage, ids, and the request is recorded', async () => {
    const r = await call(`${FLASH}:generateContent`, { contents: [user('Hello world')], generationConfig: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(r.status).toBe(200);
    expect(r.text).toStartWith('{\n  "candidates": [\n    {\n');
    expect(r.json.candidates).toEqual([{ content: { parts: [{ text: 'You said: Hello world' }], role: 'model' }, finishReason: 'STOP', index: 0 }]);
    const u = r.json.usageMetadata;
    expect(u.candidatesTokenCount).toBe(5);
    expect(u.totalTokenCount).toBe(u.promptTokenCount + 5);
    expect(u.thoughtsTokenCount).toBeUndefined();
    expect(r.json.modelVersion).toBe('gemini-2.5-flash');
    expect(r.json.responseId).toMatch(/^[\w-]{22}$/);
    expect(fake.last()!.path).toBe(`${FLASH}:generateContent`);
    expect(fake.last()!.headers['x-goog-api-key']).toBe(KEY);
  });

  test('the key may come as ?key=, and the model segment may be URL-encoded; v1 works too', async () => {
    const r = await call(`/v1/models/gemini-2.0-flash%3AgenerateContent?key=${KEY}`, { contents: [user('hi')] }, {});
    expect(r.status).toBe(200);
    expect(r.json.candidates[0].content.parts[0].text).toBe('You said: hi');
  });

  test('auth failures read like Google\'s', async () => {
    const missing = await call(`${FLASH}:generateContent`, { contents: [user('x')] }, {});
    expect(missing.status).toBe(403);
    expect(missing.json.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    expect(missing.json.error.message).toStartWith("Method doesn't allow unregistered callers");
    const wrong = await call(`${FLASH}:generateContent`, { contents: [user('x')] }, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
    expect(wrong.json.error.details[0]).toMatchObject({ reason: 'API_KEY_INVALID' });
    const bearer = await call(`${FLASH}:generateContent`, { contents: [user('x')] }, { authorization: `Bearer ${KEY}` });
    expect(bearer.status).toBe(401);
    expect(bearer.json.error.status).toBe('UNAUTHENTICATED');
  });

  test('unknown models and unknown paths', async () => {
    const r = await call('/v1beta/models/gpt-4o:generateContent', { contents: [user('x')] });
    expect(r.status).toBe(404);
    expect(r.json.error.message).toStartWith('models/gpt-4o is not found for API version v1beta, or is not supported for generateContent.');
    expect((await call('/v1beta/models/text-embedding-004:generateContent', { contents: [user('x')] })).status).toBe(404);
    const page = await post('/v1beta/chat/completions', {});
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  test('JSON-Schema keywords in tool parameters are unknown fields, reported at Google\'s snake_case path', async () => {
    const parameters = { ...weather.parameters, additionalProperties: false };
    const e = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], tools: [{ functionDeclarations: [{ ...weather, parameters }] }] });
    expect(e.message).toBe(`Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`);
    expect(e.details[0]['@type']).toBe('type.googleapis.com/google.rpc.BadRequest');
    const nested = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'object', properties: { c: { type: 'string' } }, $ref: '#/x' } } };
    const e2 = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], tools: [{ functionDeclarations: [{ name: 'f', parameters: nested }] }] });
    expect(e2.message).toBe(`Invalid JSON payload received. Unknown name "$ref" at 'tools[0].function_declarations[0].parameters.properties[1].value': Cannot find field.`);
    const e3 = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { foo: 1 } });
    expect(e3.message).toBe(`Invalid JSON payload received. Unknown name "foo" at 'generation_config': Cannot find field.`);
  });

  test('snake_case field names are accepted, and parametersJsonSchema takes full JSON Schema', async () => {
    const parameters_json_schema = { ...weather.parameters, additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' };
    const r = await call(`${FLASH}:generateContent`, {
      contents: [user('x')], generation_config: { max_output_tokens: 100, thinking_config: { include_thoughts: false } },
      tools: [{ function_declarations: [{ name: 'get_weather', parameters_json_schema }] }],
    });
    expect(r.status).toBe(200);
    expect(r.json.candidates[0].content.parts[0].functionCall).toEqual({ name: 'get_weather', args: { city: 'example' } });
  });

  test('request validation messages', async () => {
    const history = (response: unknown): { contents: Array<{ role: string; parts: Obj[] }>; tools: Obj[] } => ({
      contents: [user('Weather?'), { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] }, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response } }] }],
      tools: [{ functionDeclarations: [weather] }],
    });
    expect((await errorOf(`${FLASH}:generateContent`, history('18C'))).message).toBe(
      `Invalid value at 'contents[2].parts[0].function_response.response' (type.googleapis.com/google.protobuf.Struct), "18C"`,
    );
    expect((await errorOf(`${FLASH}:generateContent`, { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] })).message).toBe('Please use a valid role: user, model.');
    expect((await errorOf(`${FLASH}:generateContent`, {})).message).toBe('* GenerateContentRequest.contents: contents is not specified\n');
    expect((await errorOf(`${FLASH}:generateContent`, { contents: [{ role: 'user', parts: [] }] })).message).toBe('* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n');
    expect((await errorOf(`${FLASH}:generateContent`, { contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] })).message).toBe(
      `Invalid value at 'contents[0].parts[0].inline_data.data' (TYPE_BYTES), Base64 decoding failed for "not base64!"`,
    );
    expect((await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { temperature: 3 } })).message).toContain('temperature value of 3');
    const mode = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], toolConfig: { functionCallingConfig: { mode: 'REQUIRED' } } });
    expect(mode.message).toBe(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "REQUIRED"`);
    const split = history({ content: '18C' });
    split.contents[1]!.parts.push({ functionCall: { name: 'get_weather', args: { city: 'Rome' } } });
    expect((await errorOf(`${FLASH}:generateContent`, split)).message).toBe(
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    );
    const ok = await call(`${FLASH}:generateContent`, history({ name: 'get_weather', content: '18C' }));
    expect(ok.json.candidates[0].content.parts.at(-1).text).toBe('Tool results: 18C');
  });

  test('JSON mode: responseSchema needs the JSON mime type; keys follow propertyOrdering, else alphabetical', async () => {
    const schema = { type: 'OBJECT', properties: { name: { type: 'STRING' }, age: { type: 'INTEGER' } }, required: ['name', 'age'] };
    const r = await call(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { responseMimeType: 'application/json', responseSchema: schema } });
    expect(r.json.candidates[0].content.parts.at(-1).text).toBe('{"age":1,"name":"example"}');
    const ordered = { ...schema, propertyOrdering: ['name', 'age'] };
    const r2 = await call(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { responseMimeType: 'application/json', responseSchema: ordered } });
    expect(r2.json.candidates[0].content.parts.at(-1).text).toBe('{"name":"example","age":1}');
    const e = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { responseSchema: schema } });
    expect(e.message).toContain('response_mime_type');
    const both = await errorOf(`${FLASH}:generateContent`, { contents: [user('x')], generationConfig: { responseMimeType: 'application/json', responseSchema: schema, responseJsonSchema: {} } });
    expect(both.message).toContain('response_json_schema');
  });

  test('maxOutputTokens cuts with MAX_TOKENS; stopSequences cut with STOP; thoughts when asked', async () => {
    const cut = await call(`${FLASH}:generateContent`, { contents: [user('one two three four')], generationConfig: { maxOutputTokens: 3 } });
    expect(cut.json.candidates[0]).toMatchObject({ content: { parts: [{ text: 'You said: one' }] }, finishReason: 'MAX_TOKENS' });
    const stop = await call(`${FLASH}:generateContent`, { contents: [user('alpha END beta')], generationConfig: { stopSequences: ['END'] } });
    expect(stop.json.candidates[0]).toMatchObject({ content: { parts: [{ text: 'You said: alpha ' }] }, finishReason: 'STOP' });
    const thinking = await call(`${FLASH}:generateContent`, { contents: [user('hmm')], generationConfig: { thinkingConfig: { includeThoughts: true } } });
    const [thought, answer] = thinking.json.candidates[0].content.parts;
    expect(thought.thought).toBe(true);
    expect(answer).toEqual({ text: 'You said: hmm' });
    const u = thinking.json.usageMetadata;
    expect(u.totalTokenCount).toBe(u.promptTokenCount + u.candidatesTokenCount + u.thoughtsTokenCount);
  });

  test('inline images are counted in the reply and billed flat in usage; countTokens agrees', async () => {
    const png = { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } };
    const body = { contents: [{ role: 'user', parts: [{ text: 'What is this?' }, png, png] }] };
    const r = await call(`${FLASH}:generateContent`, body);
    expect(r.json.candidates[0].content.parts.at(-1).text).toBe('I see 2 images. You said: What is this?');
    expect(r.json.usageMetadata.promptTokensDetails).toContainEqual({ modality: 'IMAGE', tokenCount: 516 });
    const count = await call(`${FLASH}:countTokens`, body);
    expect(count.json.totalTokens).toBe(r.json.usageMetadata.promptTokenCount);
  });

  test('blocked prompt: 200 with promptFeedback and no candidates; unsafe output: SAFETY with no content', async () => {
    const blocked = await call(`${FLASH}:generateContent`, { contents: [user('please BLOCKME now')] });
    expect(blocked.status).toBe(200);
    expect(blocked.json.candidates).toBeUndefined();
    expect(blocked.json.promptFeedback.blockReason).toBe('SAFETY');
    expect(blocked.json.usageMetadata.candidatesTokenCount).toBeUndefined();
    const unsafe = await call(`${FLASH}:generateContent`, { contents: [user('UNSAFEOUT')] });
    expect(unsafe.json.candidates[0].content).toBeUndefined();
    expect(unsafe.json.candidates[0].finishReason).toBe('SAFETY');
  });
});

describe('function calling', () => {
  test('Gemini 2.x: whole calls with sampled args, no ids, finishReason STOP; ANY + allowedFunctionNames restricts', async () => {
    const other = { name: 'get_time', parameters: { type: 'OBJECT', properties: { zone: { type: 'STRING', enum: ['UTC', 'CET'] } } } };
    const r = await call(`${FLASH}:generateContent`, { contents: [user('x')], tools: [{ functionDeclarations: [weather, other] }] });
    expect(r.json.candidates[0].finishReason).toBe('STOP');
    expect(r.json.candidates[0].content.parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'example' } } }]);
    const any = await call(`${FLASH}:generateContent`, {
      contents: [user('x')], tools: [{ functionDeclarations: [weather, other] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
    });
    expect(any.json.candidates[0].content.parts).toEqual([{ functionCall: { name: 'get_time', args: { zone: 'UTC' } } }]);
  });

  test('Gemini 3: calls carry a thoughtSignature, and replaying a call without one is refused', async () => {
    const path = '/v1beta/models/gemini-3-pro-preview:generateContent';
    const tools = [{ functionDeclarations: [weather] }];
    const first = await call(path, { contents: [user('Weather?')], tools });
    const part = first.json.candidates[0].content.parts[0];
    expect(part.thoughtSignature).toEqual(expect.any(String));
    expect(part.functionCall.id).toBeUndefined();
    expect(first.json.candidates[0].finishMessage).toBe('Model generated function call(s).');
    const replay = (fc: Obj) => ({ contents: [user('Weather?'), { role: 'model', parts: [fc] }, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: '18C' } } }] }], tools });
    const e = await errorOf(path, replay({ functionCall: part.functionCall }));
    expect(e.message).toBe(
      'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:get_weather` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
    );
    expect((await call(path, replay(part))).status).toBe(200);
    expect((await call(path, replay({ ...part, thoughtSignature: SKIP_SIGNATURE }))).status).toBe(200);
  });
});

/** Splits an alt=sse body into its events, asserting Google's framing on the way. */
function sseEvents(text: string): string[] {
  const parts = text.split('\r\n\r\n');
  expect(parts.pop()).toBe('');
  for (const p of parts) expect(p).toMatch(/^data: \{.*\}$/);
  return parts.map((p) => p.slice('data: '.length));
}

describe('streamGenerateContent', () => {
  test('alt=sse: CRLF framing, Google\'s spacing and escapes, text deltas, cumulative usage, finishReason last', async () => {
    const res = await post(`${FLASH}:streamGenerateContent?alt=sse`, { contents: [user('a <b> & c d')] });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text).not.toContain('event:');
    expect(text).not.toContain('[DONE]');
    const events = sseEvents(text);
    expect(events[0]).toStartWith('{"candidates": [{"content": {"parts": [{"text": "You"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": ');
    expect(text).toContain('{"text": " \\u003cb\\u003e"}');
    const chunks = events.map((e) => JSON.parse(e) as Obj);
    for (const [i, e] of events.entries()) expect(geminiSse(chunks[i])).toBe(`data: ${e}\r\n\r\n`);
    expect(chunks.map((c) => c.candidates[0].content.parts?.[0]?.text ?? '').join('')).toBe('You said: a <b> & c d');
    const counts = chunks.map((c) => c.usageMetadata.candidatesTokenCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(chunks.at(-1)!.candidates[0].finishReason).toBe('STOP');
    expect(chunks.slice(0, -1).every((c) => c.candidates[0].finishReason === undefined)).toBe(true);
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
  });

  test('the final chunk takes each of its real shapes in turn', async () => {
    const finals: Obj[] = [];
    for (let i = 0; i < 3; i++) {
      const events = sseEvents(await (await post(`${FLASH}:streamGenerateContent?alt=sse`, { contents: [user('hi there')] })).text());
      finals.push(JSON.parse(events.at(-1)!).candidates[0].content);
    }
    const shapes = finals.map((c) => (c.parts === undefined ? 'no-parts' : c.parts[0].text === '' ? 'empty-text' : 'on-last'));
    expect(new Set(shapes)).toEqual(new Set(['no-parts', 'empty-text', 'on-last']));
  });

  test('a function call arrives whole in one event', async () => {
    const events = sseEvents(await (await post(`${FLASH}:streamGenerateContent?alt=sse`, { contents: [user('x')], tools: [{ functionDeclarations: [weather] }] })).text());
    const calls = events.map((e) => JSON.parse(e)).flatMap((c) => c.candidates[0].content.parts ?? []).filter((p: Obj) => p.functionCall);
    expect(calls).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'example' } } }]);
  });

  test('without alt=sse the stream is one pretty-printed JSON array', async () => {
    const res = await post(`${FLASH}:streamGenerateContent`, { contents: [user('one two three')] });
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expect(text).toStartWith('[{\n  "candidates"');
    expect(text).toContain('}\r\n,{');
    expect(text).toEndWith('}]');
    const chunks = JSON.parse(text) as Obj[];
    expect(chunks.map((c) => c.candidates[0].content.parts?.[0]?.text ?? '').join('')).toBe('You said: one two three');
  });

  test('scripted: quota error, mid-stream error, cut connection', async () => {
    fake.script(errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [retryInfo('34s')]));
    const quota = await call(`${FLASH}:generateContent`, { contents: [user('x')] });
    expect(quota.status).toBe(429);
    expect(quota.json.error.details[0].retryDelay).toBe('34s');
    fake.script(sseReply([geminiChunk([{ text: 'Hel' }]), geminiError(500, 'INTERNAL', 'An internal error has occurred.')]));
    const mid = await (await post(`${FLASH}:streamGenerateContent?alt=sse`, { contents: [user('x')] })).text();
    expect(JSON.parse(sseEvents(mid)[1]!).error.status).toBe('INTERNAL');
    fake.script(sseReply([geminiChunk([{ text: 'Hel' }])], { destroy: true }));
    const cut = await post(`${FLASH}:streamGenerateContent?alt=sse`, { contents: [user('x')] });
    await expect(cut.text()).rejects.toThrow();
  });
});

describe('embeddings', () => {
  test('embedContent: 768 dims for text-embedding-004, deterministic; outputDimensionality truncates', async () => {
    const one = await call('/v1beta/models/text-embedding-004:embedContent', { content: { parts: [{ text: 'hello' }] } });
    expect(one.json.embedding.values).toHaveLength(768);
    const again = await call('/v1beta/models/text-embedding-004:embedContent', { model: 'models/text-embedding-004', content: { parts: [{ text: 'hello' }] }, taskType: 'RETRIEVAL_QUERY' });
    expect(again.json.embedding.values).toEqual(one.json.embedding.values);
    const short = await call('/v1beta/models/text-embedding-004:embedContent', { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 8 });
    expect(short.json.embedding.values).toEqual(one.json.embedding.values.slice(0, 8));
    expect(Object.keys(one.json)).toEqual(['embedding']); // no usage
  });

  test('batchEmbedContents: one vector per request, 3072 dims for gemini-embedding-001, models must match the URL', async () => {
    const req = (text: string, model = 'models/gemini-embedding-001') => ({ model, content: { parts: [{ text }] } });
    const r = await call('/v1beta/models/gemini-embedding-001:batchEmbedContents', { requests: [req('a'), req('b')] });
    expect(r.json.embeddings).toHaveLength(2);
    expect(r.json.embeddings[0].values).toHaveLength(3072);
    expect(r.json.embeddings[0].values).not.toEqual(r.json.embeddings[1].values);
    const e = await errorOf('/v1beta/models/gemini-embedding-001:batchEmbedContents', { requests: [req('a', 'gemini-embedding-001')] });
    expect(e.message).toBe('* BatchEmbedContentsRequest.requests[0].model: unexpected model name format\n');
    expect((await call('/v1beta/models/gemini-2.5-flash:embedContent', { content: { parts: [{ text: 'a' }] } })).status).toBe(404);
  });
});

describe('Vertex AI paths', () => {
  const path = '/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent';
  test('bearer token authorises the same bodies; missing or wrong tokens are 401', async () => {
    const ok = await call(path, { contents: [user('hi')] }, { authorization: 'Bearer ya29.token' });
    expect(ok.status).toBe(200);
    expect(ok.json.candidates[0].content.parts.at(-1).text).toBe('You said: hi');
    expect(ok.json.createTime).toEqual(expect.any(String));
    expect((await call(path, { contents: [user('hi')] }, {})).status).toBe(401);
    expect((await call(path, { contents: [user('hi')] }, { authorization: 'Bearer other' })).json.error.status).toBe('UNAUTHENTICATED');
    const stream = await post(path.replace(':generateContent', ':streamGenerateContent?alt=sse'), { contents: [user('hi')] }, { authorization: 'Bearer ya29.token' });
    expect(sseEvents(await stream.text()).length).toBeGreaterThan(1);
  });
});

test('googleJson escapes like Google in both styles', () => {
  expect(googleJson({ a: '<&>', b: [1, 2] }, false)).toBe('{"a": "\\u003c\\u0026\\u003e","b": [1,2]}');
  expect(googleJson({ a: 1 })).toBe('{\n  "a": 1\n}');
});
