// Routes with several targets against the real gateway and two fake upstreams (plus a closed port):
// what fails over, what returns at once, round-robin order, and streams failing before their first byte.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatRequest } from '../../src/protocols/openai/types.ts';
import { api, sseData, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { openaiError, SSE_DONE, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { chatStreamEvents } from '../fakes/openai-wire.ts';

let a: FakeUpstream;
let b: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

async function closedPort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
  const port = s.port ?? 1;
  await s.stop(true);
  return port;
}

beforeAll(async () => {
  a = await startFakeOpenAI();
  b = await startFakeOpenAI();
  const dead = await closedPort();
  gw = await startTestGateway(`
# Breakers have their own tests; here every scripted failure must reach its target.
providers:
  a: { type: openai-compatible, base_url: "${a.url}/v1", api_key: key-a, timeout: 400ms, breaker: { enabled: false } }
  b: { type: openai-compatible, base_url: "${b.url}/v1", api_key: key-b, breaker: { enabled: false } }
  dead: { type: openai-compatible, base_url: "http://127.0.0.1:${dead}/v1", breaker: { enabled: false } }
routes:
  - match: fo
    strategy: failover
    targets: [{ provider: a, model: model-a }, { provider: b, model: model-b }]
  - match: rr
    strategy: round-robin
    targets: [{ provider: a, model: model-a }, { provider: b, model: model-b }]
  - match: dead-first
    targets: [{ provider: dead, model: model-dead }, { provider: b, model: model-b }]
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await a?.stop();
  await b?.stop();
});
beforeEach(() => {
  a.reset();
  b.reset();
});

const hi = [{ role: 'user', content: 'Hello' }];
const chat = (json: Record<string, unknown>) => api(gw, '/v1/chat/completions', { method: 'POST', json: { messages: hi, ...json } });
const errorEvent = (type: string) => `data: ${JSON.stringify(openaiError('Model overloaded, try later', type))}\n\n`;

/** Asserts a non-stream reply came from B (model-b) and returns nothing else to check. */
async function expectFromB(res: Response): Promise<void> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status: 200 });
  expect(res.headers.get('x-dvara-provider')).toBe('b');
  expect(res.headers.get('x-dvara-model')).toBe('model-b');
  const body = JSON.parse(text) as { model: string; choices: Array<{ message: { content: string } }> };
  expect(body.model).toBe('model-b');
  expect(body.choices[0]!.message.content).toBe('Fake reply to: Hello');
  expect(b.requests).toHaveLength(1);
  expect(b.last()!.body.model).toBe('model-b');
  expect(b.last()!.headers.authorization).toBe('Bearer key-b');
}

/** Asserts a streamed reply came from B, complete and terminated with [DONE], with no error event. */
async function expectStreamFromB(res: Response): Promise<void> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  expect(res.headers.get('x-dvara-provider')).toBe('b');
  const text = await res.text();
  expect(text.endsWith(SSE_DONE)).toBe(true);
  expect(text).not.toContain('"error"');
  const content = sseData(text).slice(0, -1).map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
  expect(content).toBe('Fake reply to: Hello');
  expect(b.requests).toHaveLength(1);
  expect(b.last()!.body.stream).toBe(true);
}

describe('failover (non-stream)', () => {
  test('first target 500 → second answers, x-dvara-provider names it', async () => {
    a.script({ status: 500, json: openaiError('The server had an error', 'server_error') });
    await expectFromB(await chat({ model: 'fo' }));
    expect(a.requests).toHaveLength(1);
    expect(a.last()!.body.model).toBe('model-a');
  });

  test('first target 400 → 400 at once with its message, second never called', async () => {
    a.script({ status: 400, json: openaiError("Invalid 'messages[0].content': string too long.", 'invalid_request_error', 'messages[0].content', 'string_above_max_length') });
    const res = await chat({ model: 'fo' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; param: string | null } };
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message).toBe("Invalid 'messages[0].content': string too long.");
    expect(body.error.param).toBe('messages[0].content');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  test('first target rejecting Dvara credentials (401), rate limiting (429) or timing out → second answers', async () => {
    a.script({ status: 401, json: openaiError('Incorrect API key provided', 'invalid_request_error', null, 'invalid_api_key') });
    await expectFromB(await chat({ model: 'fo' }));
    b.reset();
    a.script({ status: 429, json: openaiError('Rate limit reached', 'requests', null, 'rate_limit_exceeded'), headers: { 'retry-after': '3' } });
    await expectFromB(await chat({ model: 'fo' }));
    b.reset();
    a.script({ delayMs: 3000 }); // a's timeout is 400ms
    await expectFromB(await chat({ model: 'fo' }));
  });

  test('first target refusing connections → second answers (SDK)', async () => {
    const res = await client.chat.completions.create({ model: 'dead-first', messages: [{ role: 'user', content: 'Hello' }] });
    expect(res.choices[0]!.message.content).toBe('Fake reply to: Hello');
    expect(res.model).toBe('model-b');
    expect(b.requests).toHaveLength(1);
  });

  test('every target failing → 502 PROVIDER_ERROR from the last one tried', async () => {
    a.script({ status: 500, json: openaiError('a is down', 'server_error') });
    b.script({ status: 503, json: openaiError('b is down', 'server_error') });
    const res = await chat({ model: 'fo' });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('PROVIDER_ERROR');
    expect(body.error.message).toContain('b is down');
    expect(body.error.message).toContain('503');
    expect(res.headers.get('x-dvara-provider')).toBe('b');
  });
});

describe('round-robin', () => {
  test('alternates between the two providers over 4 requests', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await chat({ model: 'rr' });
      expect(res.status).toBe(200);
      await res.text();
      seen.push(res.headers.get('x-dvara-provider') ?? 'none');
    }
    expect(new Set(seen)).toEqual(new Set(['a', 'b']));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]!);
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(2);
    expect(a.requests.every((r) => r.body.model === 'model-a')).toBe(true);
    expect(b.requests.every((r) => r.body.model === 'model-b')).toBe(true);
  });

  test('a failing target in a round-robin route falls over to the other one', async () => {
    a.script({ status: 500, json: openaiError('a is down', 'server_error') });
    a.script({ status: 500, json: openaiError('a is down', 'server_error') });
    for (let i = 0; i < 2; i++) {
      const res = await chat({ model: 'rr' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-dvara-provider')).toBe('b');
      await res.text();
    }
    expect(b.requests).toHaveLength(2);
  });
});

describe('streams fail over only before their first byte', () => {
  const stream = { model: 'fo', stream: true };

  test('first target 500 before any byte → second streams the answer', async () => {
    a.script({ status: 500, json: openaiError('The server had an error', 'server_error') });
    await expectStreamFromB(await chat(stream));
    expect(a.requests).toHaveLength(1);
  });

  test('first target refusing connections → second streams the answer (SDK)', async () => {
    const s = await client.chat.completions.create({ model: 'dead-first', messages: [{ role: 'user', content: 'Hello' }], stream: true });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Fake reply to: Hello');
    expect(b.requests).toHaveLength(1);
  });

  test('first target answering 200 then cutting the connection before any event → second streams', async () => {
    a.script({ sse: [], destroy: true });
    await expectStreamFromB(await chat(stream));
  });

  test('first target answering 200 with an empty body → second streams', async () => {
    a.script({ sse: [] });
    await expectStreamFromB(await chat(stream));
  });

  test('first target whose 200 stream opens with an error event → second streams', async () => {
    a.script({ sse: [errorEvent('server_error')] });
    await expectStreamFromB(await chat(stream));
  });

  test('after bytes reached the client there is no failover: the stream ends with an error event', async () => {
    const events = chatStreamEvents({ model: 'model-a', messages: [{ role: 'user', content: 'one two three' }], stream: true } as ChatRequest, 'model-a');
    a.script({ sse: events.slice(0, 3), destroy: true });
    const res = await chat(stream);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dvara-provider')).toBe('a');
    const data = sseData(await res.text());
    const last = JSON.parse(data.at(-1)!) as { error?: { code: string } };
    expect(last.error?.code).toBe('PROVIDER_ERROR');
    expect(data).not.toContain('[DONE]');
    expect(b.requests).toHaveLength(0);
  });
});
