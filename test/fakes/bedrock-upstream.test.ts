import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { AwsV4Signer } from 'aws4fetch';
import { EventStreamDecoder, type EventStreamMessage } from '../../src/providers/bedrock/eventstream.ts';
import { EXAMPLE_CREDENTIALS, startFakeBedrock, type FakeBedrock } from './bedrock-upstream.ts';

// Tests of the fake Bedrock itself, driven the way an adapter would: aws4fetch SigV4 signing (service
// `bedrock`), the model id encodeURIComponent-ed into the path, streams decoded with the production decoder.
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SECRET = EXAMPLE_CREDENTIALS.AKIDEXAMPLE;
let fake: FakeBedrock;

beforeAll(async () => { fake = await startFakeBedrock(); });
afterAll(async () => { await fake.stop(); });
beforeEach(() => fake.reset());

async function call(modelId: string, op: string, body: unknown, opts: { secret?: string; accessKeyId?: string; tamper?: boolean } = {}): Promise<Response> {
  const raw = JSON.stringify(body);
  const signed = await new AwsV4Signer({
    method: 'POST', url: `${fake.url}/model/${encodeURIComponent(modelId)}/${op}`, headers: { 'content-type': 'application/json' }, body: raw,
    accessKeyId: opts.accessKeyId ?? 'AKIDEXAMPLE', secretAccessKey: opts.secret ?? SECRET, service: 'bedrock', region: 'us-east-1',
  }).sign();
  return fetch(signed.url, { method: 'POST', headers: signed.headers, body: opts.tamper ? raw.replace('Hi', 'Ho') : raw });
}

const hello = { messages: [{ role: 'user', content: [{ text: 'Hi there' }] }] };
const weatherTool = { toolSpec: { name: 'get_weather', description: 'weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } };

async function errorOf(res: Response) {
  return { status: res.status, type: (res.headers.get('x-amzn-errortype') ?? '').split(':')[0], message: ((await res.json()) as { message: string }).message };
}

describe('converse', () => {
  test('a plain text reply with the documented shape', async () => {
    const res = await call(HAIKU, 'converse', hello);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as any;
    expect(body.output.message).toEqual({ role: 'assistant', content: [{ text: 'You said: Hi there' }] });
    expect(body.stopReason).toBe('end_turn');
    expect(body.usage).toMatchObject({ outputTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 });
    expect(body.usage.totalTokens).toBe(body.usage.inputTokens + body.usage.outputTokens);
    expect(body.metrics.latencyMs).toBeGreaterThan(0);
    expect(fake.last()!.path).toBe('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
  });

  test('tools offered → toolUse with sampled input; tool results → quoted', async () => {
    const res = await call(HAIKU, 'converse', { ...hello, toolConfig: { tools: [weatherTool] } });
    const body = (await res.json()) as any;
    expect(body.stopReason).toBe('tool_use');
    const use = body.output.message.content[1].toolUse;
    expect(use.toolUseId).toMatch(/^tooluse_[A-Za-z0-9]{22}$/);
    expect(use.name).toBe('get_weather');
    expect(typeof use.input.city).toBe('string');
    const next = await call(HAIKU, 'converse', {
      messages: [...hello.messages, { role: 'assistant', content: [{ toolUse: use }] },
        { role: 'user', content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ text: '18C' }], status: 'success' } }] }],
      toolConfig: { tools: [weatherTool] },
    });
    expect(((await next.json()) as any).output.message.content).toEqual([{ text: 'Tool results: 18C' }]);
  });

  test('forced tool choice, stop sequences, maxTokens, cache points', async () => {
    const forced = (await (await call(HAIKU, 'converse', { ...hello, toolConfig: { tools: [weatherTool], toolChoice: { tool: { name: 'get_weather' } } } })).json()) as any;
    expect(forced.output.message.content).toHaveLength(1);
    const stopped = (await (await call(HAIKU, 'converse', { ...hello, inferenceConfig: { stopSequences: ['there'] } })).json()) as any;
    expect([stopped.stopReason, stopped.output.message.content[0].text]).toEqual(['stop_sequence', 'You said: Hi ']);
    const cut = (await (await call(HAIKU, 'converse', { ...hello, inferenceConfig: { maxTokens: 2 } })).json()) as any;
    expect([cut.stopReason, cut.output.message.content[0].text]).toEqual(['max_tokens', 'You said:']);
    const cached = (await (await call(HAIKU, 'converse', { ...hello, system: [{ text: 'Be brief.' }, { cachePoint: { type: 'default' } }] })).json()) as any;
    expect(cached.usage.cacheReadInputTokens).toBeGreaterThan(0);
  });

  test('validation errors', async () => {
    const cases: Array<[unknown, string]> = [
      [{ messages: [] }, 'A conversation must start with a user message'],
      [{ messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] }, 'must alternate between user and assistant'],
      [{ messages: [{ role: 'user', content: [{ text: '  ' }] }] }, 'The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.'],
      [{ ...hello, modelId: HAIKU }, "Unknown field 'modelId'"],
      [{ messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'x', input: {} } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } }] }] },
        'The toolConfig field must be defined when using toolUse and toolResult content blocks.'],
      [{ ...hello, inferenceConfig: { temperature: 1.5 } }, "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1"],
      [{ ...hello, inferenceConfig: { maxTokens: 0 } }, 'inferenceConfig.maxTokens'],
      [{ ...hello, inferenceConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e'] } }, 'length less than or equal to 4'],
      [{ ...hello, toolConfig: { tools: [weatherTool], toolChoice: { tool: { name: 'nope' } } } }, 'not defined in toolConfig.tools'],
      [{ messages: [{ role: 'user', content: [{ image: { format: 'bmp', source: { bytes: 'AAAA' } } }] }] }, 'image.format'],
    ];
    for (const [body, message] of cases) {
      const e = await errorOf(await call(HAIKU, 'converse', body));
      expect(e).toMatchObject({ status: 400, type: 'ValidationException' });
      expect(e.message).toContain(message);
    }
    expect(await errorOf(await call('not a model', 'converse', hello))).toEqual({ status: 400, type: 'ValidationException', message: 'The provided model identifier is invalid.' });
    expect((await call(`us.${HAIKU}`, 'converse', hello)).status).toBe(200);
    expect((await call('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0', 'converse', hello)).status).toBe(200);
    expect((await errorOf(await call(HAIKU, 'converse-forever', hello))).type).toBe('UnknownOperationException');
  });

  test('signature failures', async () => {
    expect(await errorOf(await call(HAIKU, 'converse', hello, { tamper: true }))).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(await errorOf(await call(HAIKU, 'converse', hello, { secret: 'wrong' }))).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(await errorOf(await call(HAIKU, 'converse', hello, { accessKeyId: 'AKIDUNKNOWN' }))).toEqual({
      status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.',
    });
    const unsigned = await fetch(`${fake.url}/model/${encodeURIComponent(HAIKU)}/converse`, { method: 'POST', body: JSON.stringify(hello) });
    expect((await errorOf(unsigned)).type).toBe('MissingAuthenticationTokenException');
  });

  test('scripted errors', async () => {
    fake.scriptError('ThrottlingException', 'Too many requests, please wait before trying again.');
    expect(await errorOf(await call(HAIKU, 'converse', hello))).toEqual({ status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
  });
});

/** Reads a stream, recording each read's decoded frames and whether a partial frame was left pending. */
async function readStream(res: Response) {
  const decoder = new EventStreamDecoder();
  const messages: EventStreamMessage[] = [];
  let splitReads = 0;
  let perRead = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const got = decoder.push(chunk);
    messages.push(...got);
    perRead = Math.max(perRead, got.length);
    if (decoder.pending > 0) splitReads += 1;
  }
  const events = messages.map((m) => ({ headers: m.headers, payload: JSON.parse(new TextDecoder().decode(m.payload)) }));
  return { events, types: events.map((e) => e.headers[':event-type'] ?? e.headers[':exception-type']), splitReads, perRead, pending: decoder.pending };
}

describe('converse-stream', () => {
  test('text: the documented event sequence, with one frame split across reads', async () => {
    const res = await call(HAIKU, 'converse-stream', { messages: [{ role: 'user', content: [{ text: 'tell me about the sea' }] }] });
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
    const { events, types, splitReads, perRead, pending } = await readStream(res);
    expect(types[0]).toBe('messageStart');
    expect(types).not.toContain('contentBlockStart');
    expect(types.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
    const text = events.filter((e) => e.headers[':event-type'] === 'contentBlockDelta').map((e) => e.payload.delta.text).join('');
    expect(text).toBe('You said: tell me about the sea');
    expect(events.every((e) => typeof e.payload.p === 'string' && e.headers[':message-type'] === 'event')).toBe(true);
    expect(events.at(-1)!.payload.usage).toMatchObject({ outputTokens: 8 });
    expect(splitReads).toBeGreaterThan(0); // a frame arrived in two reads
    expect(perRead).toBeGreaterThanOrEqual(2); // and some read carried two frames
    expect(pending).toBe(0);
  });

  test('tool use: contentBlockStart then input fragments', async () => {
    const res = await call(HAIKU, 'converse-stream', { ...hello, toolConfig: { tools: [weatherTool], toolChoice: { any: {} } } });
    const { events, types } = await readStream(res);
    expect(types).toEqual(['messageStart', 'contentBlockStart', ...types.slice(2, -3), 'contentBlockStop', 'messageStop', 'metadata']);
    expect(events[1]!.payload.start.toolUse.name).toBe('get_weather');
    const pieces = events.filter((e) => e.headers[':event-type'] === 'contentBlockDelta').map((e) => e.payload.delta.toolUse.input as string);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(typeof JSON.parse(pieces.join('')).city).toBe('string');
    expect(events.find((e) => e.headers[':event-type'] === 'messageStop')!.payload.stopReason).toBe('tool_use');
  });

  test('validation errors come back as JSON before any stream', async () => {
    const e = await errorOf(await call(HAIKU, 'converse-stream', { messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }));
    expect(e).toMatchObject({ status: 400, type: 'ValidationException' });
  });

  test('scripted: an exception frame ends the stream', async () => {
    fake.scriptStream([['messageStart', { role: 'assistant' }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }]], {
      exception: { type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' },
    });
    const { events, types } = await readStream(await call(HAIKU, 'converse-stream', hello));
    expect(types).toEqual(['messageStart', 'contentBlockDelta', 'throttlingException']);
    expect(events[2]!.headers[':message-type']).toBe('exception');
    expect(events[2]!.payload).toEqual({ message: 'Too many tokens, please wait before trying again.' });
  });

  test('scripted: a stream cut mid-frame leaves bytes pending or errors the read', async () => {
    fake.scriptStream([['messageStart', { role: 'assistant' }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' } }], ['contentBlockStop', { contentBlockIndex: 0 }]], { cutAfter: 2 });
    const res = await call(HAIKU, 'converse-stream', hello);
    const decoder = new EventStreamDecoder();
    const types: unknown[] = [];
    let failed = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) types.push(...decoder.push(chunk).map((m) => m.headers[':event-type']));
    } catch {
      failed = true;
    }
    expect(types).toEqual(['messageStart', 'contentBlockDelta']);
    expect(failed || decoder.pending > 0).toBe(true);
  });
});

describe('invoke (embeddings)', () => {
  const embed = async (model: string, body: unknown) => {
    const res = await call(model, 'invoke', body);
    return { res, body: (await res.json()) as any };
  };

  test('titan v2: dimensions, normalisation, token header', async () => {
    const { res, body } = await embed('amazon.titan-embed-text-v2:0', { inputText: 'hello world', dimensions: 256, normalize: true });
    expect(res.status).toBe(200);
    expect(body.embedding).toHaveLength(256);
    expect(Math.hypot(...body.embedding)).toBeCloseTo(1, 6);
    expect(body.inputTextTokenCount).toBeGreaterThan(0);
    expect(res.headers.get('x-amzn-bedrock-input-token-count')).toBe(String(body.inputTextTokenCount));
    expect((await embed('amazon.titan-embed-text-v2:0', { inputText: 'hello world', dimensions: 256 })).body.embedding).toEqual(body.embedding);
    expect((await embed('amazon.titan-embed-text-v2:0', { inputText: 'x' })).body.embedding).toHaveLength(1024);
    expect((await embed('amazon.titan-embed-text-v2:0', { inputText: 'x', dimensions: 300 })).res.status).toBe(400);
  });

  test('titan v1: 1536 dims, only inputText', async () => {
    expect((await embed('amazon.titan-embed-text-v1', { inputText: 'x' })).body.embedding).toHaveLength(1536);
    const bad = await embed('amazon.titan-embed-text-v1', { inputText: 'x', dimensions: 256 });
    expect([bad.res.status, bad.body.message]).toEqual([400, 'Malformed input request: #: extraneous key [dimensions] is not permitted, please reformat your input and try again.']);
  });

  test('cohere v3 floats, by-type, v4, and its validation', async () => {
    const v3 = await embed('cohere.embed-english-v3', { texts: ['a', 'b'], input_type: 'search_document', truncate: 'END' });
    expect(v3.body).toMatchObject({ response_type: 'embeddings_floats', texts: ['a', 'b'], id: expect.any(String) });
    expect(v3.body.embeddings).toHaveLength(2);
    expect(v3.body.embeddings[0]).toHaveLength(1024);
    expect(Number(v3.res.headers.get('x-amzn-bedrock-input-token-count'))).toBe(2);
    const typed = await embed('cohere.embed-multilingual-v3', { texts: ['a'], input_type: 'search_query', embedding_types: ['float'] });
    expect(typed.body.response_type).toBe('embeddings_by_type');
    expect(typed.body.embeddings.float[0]).toHaveLength(1024);
    const v4 = await embed('cohere.embed-v4:0', { texts: ['a'], input_type: 'classification' });
    expect(v4.body.embeddings.float[0]).toHaveLength(1536);
    expect((await embed('cohere.embed-english-v3', { texts: ['a'] })).body.message).toContain('required key [input_type] not found');
    expect((await embed('cohere.embed-english-v3', { texts: Array(97).fill('a'), input_type: 'clustering' })).res.status).toBe(400);
  });

  test('non-embedding models are refused on invoke', async () => {
    const e = await errorOf(await call(HAIKU, 'invoke', { anthropic_version: 'bedrock-2023-05-31', messages: [] }));
    expect(e).toMatchObject({ status: 400, type: 'ValidationException' });
  });
});
