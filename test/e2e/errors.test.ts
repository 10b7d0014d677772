// The contract's error table against the real gateway: shape, status and code of every error a client
// can meet, upstream failures mapped through a fake upstream, and errors inside SSE streams.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { join } from 'node:path';
import { createKey } from '../../src/cli/keys.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { ChatRequest } from '../../src/protocols/openai/types.ts';
import { api, sseData, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { openaiError, SSE_DONE, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { chatStreamEvents } from '../fakes/openai-wire.ts';

const UPSTREAM_KEY = 'sk-upstream-SECRET-4f9a1c77e2d0';
let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

async function closedPort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
  const port = s.port ?? 1;
  await s.stop(true);
  return port;
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const dead = await closedPort();
  gw = await startTestGateway(`
server: { max_body_size: 1kb }
# Breakers have their own tests; here every scripted failure must reach its target.
providers:
  openai: { type: openai, base_url: "${fake.url}/v1", api_key: "${UPSTREAM_KEY}", breaker: { enabled: false } }
  slow: { type: openai-compatible, base_url: "${fake.url}/v1", api_key: "${UPSTREAM_KEY}", timeout: 300ms, breaker: { enabled: false } }
  dead: { type: openai-compatible, base_url: "http://127.0.0.1:${dead}/v1", api_key: "${UPSTREAM_KEY}", breaker: { enabled: false } }
  demo: { type: mock }
`);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

interface ErrorBody { error: { message: string; type: string; code: string; param: string | null; trace_id: string } }

/** Never a stack trace, never the upstream credential, in anything the client reads. */
function assertClean(text: string): void {
  expect(text).not.toMatch(/\bat .*\.ts:\d+/);
  expect(text).not.toContain(UPSTREAM_KEY);
}

/** Asserts the contract's error shape and status; returns the error object. */
async function expectError(res: Response, status: number, code: string): Promise<ErrorBody['error']> {
  const text = await res.text();
  assertClean(text);
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'trace_id', 'type']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.trace_id).toBe(res.headers.get('x-trace-id')!);
  return body.error;
}

const hi = [{ role: 'user', content: 'Hello' }];
/** What a promise rejected with (the SDK's APIPromise does not play well with bun's `.rejects`). */
const caught = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e);
const chat = (json: unknown, headers?: Record<string, string>) => api(gw, '/v1/chat/completions', { method: 'POST', json, headers });
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body, headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers } });
const streamEvents = () => chatStreamEvents({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one two three' }], stream: true } as ChatRequest, 'gpt-4o');

describe('routing, auth and policy', () => {
  test('NO_PROVIDER: 400 naming the model, param "model"', async () => {
    const e = await expectError(await chat({ model: 'nonexistent-model-xyz', messages: hi }), 400, 'NO_PROVIDER');
    expect(e.message).toContain('nonexistent-model-xyz');
    expect(e.param).toBe('model');
  });

  test('UNAUTHORIZED: missing, non-mk and unknown mk keys', async () => {
    const noKey = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'demo/x', messages: hi }) });
    await expectError(noKey, 401, 'UNAUTHORIZED');
    await expectError(await chat({ model: 'demo/x', messages: hi }, { authorization: 'Bearer sk-not-a-dvara-key' }), 401, 'UNAUTHORIZED');
    await expectError(await chat({ model: 'demo/x', messages: hi }, { authorization: `Bearer mk-${'A'.repeat(40)}` }), 401, 'UNAUTHORIZED');
  });

  /** Uses a fresh key once (so the gateway caches it as valid), revokes it with `revoke`, then polls for 401. */
  async function revokedWhileInUse(label: string, revoke: (id: string) => Promise<boolean>): Promise<void> {
    const { secret } = await createKey(gw.store, 'test', { name: label });
    const auth = { authorization: `Bearer ${secret}` };
    expect((await chat({ model: 'demo/x', messages: hi }, auth)).status).toBe(200);
    const id = (await gw.store.listKeys('test')).find((k) => k.name === label)!.id;
    expect(await revoke(id)).toBe(true);
    let last = await chat({ model: 'demo/x', messages: hi }, auth);
    for (const end = Date.now() + 1500; last.status !== 401 && Date.now() < end; ) {
      await last.text();
      await Bun.sleep(50);
      last = await chat({ model: 'demo/x', messages: hi }, auth);
    }
    expect(last.status).toBe(401);
    expect((await expectError(last, 401, 'UNAUTHORIZED')).message).toContain('revoked');
  }

  test('UNAUTHORIZED: a key revoked (gw.store.revokeKey) while in use is refused within ~1s', async () => {
    await revokedWhileInUse('revoked-in-process', (id) => gw.store.revokeKey(id, Date.now()));
  });

  test('UNAUTHORIZED: a key revoked from another connection (as `dvara keys revoke` does) is refused within ~1s', async () => {
    const cli = new SqliteStore(`sqlite:${join(gw.dir, 'dvara.db')}`);
    try {
      await revokedWhileInUse('revoked-by-cli', (id) => cli.revokeKey(id, Date.now()));
    } finally {
      cli.close();
    }
  });

  test('UNAUTHORIZED: an expired key', async () => {
    const { secret } = await createKey(gw.store, 'test', { name: 'expired', expiresAt: Date.now() - 60_000 });
    const e = await expectError(await chat({ model: 'demo/x', messages: hi }, { authorization: `Bearer ${secret}` }), 401, 'UNAUTHORIZED');
    expect(e.message).toContain('expired');
  });

  test('POLICY_DENIED: a key limited to demo/* asking for gpt-4o', async () => {
    const { secret } = await createKey(gw.store, 'test', { name: 'demo-only', models: ['demo/*'] });
    await expectError(await chat({ model: 'gpt-4o', messages: hi }, { authorization: `Bearer ${secret}` }), 403, 'POLICY_DENIED');
    expect(fake.requests).toHaveLength(0);
    const limited = new OpenAI({ baseURL: gw.baseURL, apiKey: secret, maxRetries: 0 });
    expect(await caught(limited.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }))).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  test('NOT_FOUND: unknown path and unknown model id', async () => {
    await expectError(await api(gw, '/v1/nope', { method: 'GET' }), 404, 'NOT_FOUND');
    await expectError(await api(gw, '/v1/models/nonexistent-model-xyz', { method: 'GET' }), 404, 'NOT_FOUND');
  });

  test('the openai SDK surfaces typed errors by status', async () => {
    const noProvider = await client.chat.completions.create({ model: 'nonexistent-model-xyz', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(noProvider).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noProvider as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('NO_PROVIDER');
    expect((noProvider as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('model');
    const bad = new OpenAI({ baseURL: gw.baseURL, apiKey: `mk-${'B'.repeat(40)}`, maxRetries: 0 });
    expect(await caught(bad.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await caught(client.models.retrieve('nonexistent-model-xyz'))).toBeInstanceOf(OpenAI.NotFoundError);
    fake.script({ status: 500, json: openaiError('The server had an error', 'server_error') });
    expect(await caught(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }))).toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe('request validation and size', () => {
  test('INVALID_REQUEST: malformed JSON and a non-object body', async () => {
    const e = await expectError(await post('{"model": "demo/x", "messages": ['), 400, 'INVALID_REQUEST');
    expect(e.message).toContain('JSON');
    await expectError(await post('[1,2,3]'), 400, 'INVALID_REQUEST');
    await expectError(await post('"just a string"'), 400, 'INVALID_REQUEST');
  });

  test('INVALID_REQUEST: schema violations name the field', async () => {
    const missing = await expectError(await chat({ model: 'demo/x' }), 400, 'INVALID_REQUEST');
    expect(missing.param).toBe('messages');
    expect(missing.message).toContain('messages');
    const role = await expectError(await chat({ model: 'demo/x', messages: [{ role: 'robot', content: 'hi' }] }), 400, 'INVALID_REQUEST');
    expect(role.param).toBe('messages[0].role');
    expect(role.message).toContain('messages[0].role');
    const temp = await expectError(await chat({ model: 'demo/x', messages: hi, temperature: 3 }), 400, 'INVALID_REQUEST');
    expect(temp.param).toBe('temperature');
    const emb = await expectError(await api(gw, '/v1/embeddings', { method: 'POST', json: { model: 'openai/text-embedding-3-small', input: 42 } }), 400, 'INVALID_REQUEST');
    expect(emb.param).toBe('input');
    expect(fake.requests).toHaveLength(0);
  });

  test('PAYLOAD_TOO_LARGE: declared content-length over server.max_body_size', async () => {
    const body = JSON.stringify({ model: 'demo/x', messages: [{ role: 'user', content: 'x'.repeat(2000) }] });
    const e = await expectError(await post(body), 413, 'PAYLOAD_TOO_LARGE');
    expect(e.message).toContain('1024');
  });

  test('PAYLOAD_TOO_LARGE: chunked body without content-length', async () => {
    const enc = new TextEncoder();
    const parts = ['{"model":"demo/x","messages":[{"role":"user","content":"', ...Array.from({ length: 8 }, () => 'y'.repeat(500)), '"}]}'];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(enc.encode(p));
        c.close();
      },
    });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    } as RequestInit);
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('upstream failures', () => {
  test('upstream 500 → 502 PROVIDER_ERROR keeping upstream status and message', async () => {
    fake.script({ status: 500, json: openaiError('The server had an error while processing your request.', 'server_error') });
    const e = await expectError(await chat({ model: 'gpt-4o', messages: hi }), 502, 'PROVIDER_ERROR');
    expect(e.message).toContain('500');
    expect(e.message).toContain('The server had an error while processing your request.');
  });

  test('upstream 400 → 400 with the provider message and param passed through', async () => {
    fake.script({ status: 400, json: openaiError("Unsupported parameter: 'max_tokens' is not supported with this model.", 'invalid_request_error', 'max_tokens', 'unsupported_parameter') });
    const e = await expectError(await chat({ model: 'gpt-4o', messages: hi }), 400, 'INVALID_REQUEST');
    expect(e.message).toBe("Unsupported parameter: 'max_tokens' is not supported with this model.");
    expect(e.param).toBe('max_tokens');
  });

  test('upstream 401 → 502 saying the provider rejected Dvara credentials, without the key', async () => {
    // OpenAI masks the key; some compatible servers echo it whole. Neither may reach the client.
    for (const msg of ['Incorrect API key provided: sk-upstr**********e2d0.', `Invalid API key: ${UPSTREAM_KEY}`]) {
      fake.script({ status: 401, json: openaiError(msg, 'invalid_request_error', null, 'invalid_api_key') });
      const e = await expectError(await chat({ model: 'gpt-4o', messages: hi }), 502, 'PROVIDER_ERROR');
      expect(e.message).toContain("rejected Dvara's credentials");
      expect(e.message).toContain('401');
    }
  });

  test('upstream 429 → 502 with retry-after forwarded', async () => {
    fake.script({ status: 429, json: openaiError('Rate limit reached for requests', 'requests', null, 'rate_limit_exceeded'), headers: { 'retry-after': '7' } });
    const res = await chat({ model: 'gpt-4o', messages: hi });
    expect(res.headers.get('retry-after')).toBe('7');
    const e = await expectError(res, 502, 'PROVIDER_ERROR');
    expect(e.message).toContain('429');
  });

  test('upstream slower than the provider timeout → 504 PROVIDER_TIMEOUT', async () => {
    fake.script({ delayMs: 3000 });
    const started = Date.now();
    await expectError(await chat({ model: 'slow/gpt-4o', messages: hi }), 504, 'PROVIDER_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('connection refused → 502 PROVIDER_ERROR', async () => {
    const e = await expectError(await chat({ model: 'dead/some-model', messages: hi }), 502, 'PROVIDER_ERROR');
    expect(e.message).toContain('dead');
  });
});

describe('errors in streams', () => {
  const streamReq = { model: 'gpt-4o', messages: hi, stream: true };
  const errorEvent = (type: string) => `data: ${JSON.stringify(openaiError('Model overloaded, try later', type))}\n\n`;

  async function sseOf(res: Response): Promise<string[]> {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    assertClean(text);
    return sseData(text);
  }

  test('mid-stream upstream error → final SSE error event; the SDK stream throws', async () => {
    fake.script({ sse: [...streamEvents().slice(0, 3), errorEvent('server_error')] });
    const events = await sseOf(await chat(streamReq));
    const last = JSON.parse(events.at(-1)!) as ErrorBody;
    expect(last.error.code).toBe('PROVIDER_ERROR');
    expect(last.error.message).toContain('Model overloaded');
    expect(last.error.trace_id).toBeString();
    expect(events).not.toContain('[DONE]');
    expect(events.length).toBe(4);

    fake.script({ sse: [...streamEvents().slice(0, 3), errorEvent('server_error')] });
    const s = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    let seen = 0;
    const err = await (async () => { for await (const _ of s) seen++; })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toContain('Model overloaded');
    expect(seen).toBe(3);
  });

  for (const destroy of [false, true]) {
    test(`stream ${destroy ? 'cut' : 'closed'} without finish or [DONE] → final SSE error PROVIDER_ERROR`, async () => {
      fake.script({ sse: streamEvents().slice(0, 3), destroy });
      const events = await sseOf(await chat(streamReq));
      expect(events).not.toContain('[DONE]');
      const last = JSON.parse(events.at(-1)!) as ErrorBody;
      expect(last.error.code).toBe('PROVIDER_ERROR');
      expect(events.length).toBe(4);
    });
  }

  test('stream with finish_reason but no [DONE] → gateway appends [DONE]', async () => {
    const full = streamEvents();
    expect(full.at(-1)).toBe(SSE_DONE);
    fake.script({ sse: full.slice(0, -1) });
    const res = await chat(streamReq);
    const text = await res.text();
    expect(text.endsWith(SSE_DONE)).toBe(true);
    const events = sseData(text);
    expect(events.some((d) => d.includes('"error"'))).toBe(false);
    expect(events.length).toBe(full.length);
  });

  test('an error as the first event of a 200 stream → a real HTTP error status', async () => {
    fake.script({ sse: [errorEvent('server_error')] });
    await expectError(await chat(streamReq), 502, 'PROVIDER_ERROR');
    fake.script({ sse: [errorEvent('invalid_request_error')] });
    await expectError(await chat(streamReq), 400, 'INVALID_REQUEST');
  });

  test('a 200 stream that ends before any event → a real HTTP error status', async () => {
    fake.script({ sse: [] });
    await expectError(await chat(streamReq), 502, 'PROVIDER_ERROR');
  });

  test('an error object inside a 200 JSON body → a real HTTP error status', async () => {
    fake.script({ json: openaiError('Model overloaded, try later', 'server_error') });
    const e = await expectError(await chat({ model: 'gpt-4o', messages: hi }), 502, 'PROVIDER_ERROR');
    expect(e.message).toContain('Model overloaded');
  });
});
