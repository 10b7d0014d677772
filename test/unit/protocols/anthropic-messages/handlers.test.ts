// The front door's choice per target: native passthrough for adapters with `messages`/`countTokens` (a stub
// here, standing in for the anthropic adapter), translation through `chat` otherwise, failover between them.
import { createGate } from '../../../../src/server/admission.ts';
import { beforeEach, describe, expect, test } from 'bun:test';
import { parseConfig } from '../../../../src/config/load.ts';
import { handleCountTokens, handleMessages } from '../../../../src/protocols/anthropic-messages/handlers.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { createAdapters } from '../../../../src/providers/registry.ts';
import type { NativeCall, NativeMessagesRequest, ProviderAdapter } from '../../../../src/providers/types.ts';
import { Router } from '../../../../src/routing/resolve.ts';
import { newContext } from '../../../../src/server/context.ts';
import { DvaraError } from '../../../../src/server/errors.ts';

const NATIVE_JSON = '{"id":"msg_native","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"native"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}';
const NATIVE_SSE = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_native"}}\n\nevent: ping\ndata: {"type": "ping"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';

let received: Array<{ req: NativeMessagesRequest; call: NativeCall }>;
let failNative: ProviderError | null;

const native: ProviderAdapter = {
  name: 'native',
  type: 'anthropic',
  models: [],
  chat: () => Promise.reject(new Error('chat must not be used when the adapter speaks Anthropic')),
  async messages(req, call) {
    received.push({ req, call });
    if (failNative) throw failNative;
    if (req.stream) {
      return { kind: 'stream', body: new Response(NATIVE_SSE).body!, usage: Promise.resolve({ usage: null, partial: false }) };
    }
    return { kind: 'json', body: NATIVE_JSON, usage: null };
  },
  async countTokens(req, call) {
    received.push({ req, call });
    return { kind: 'json', body: { input_tokens: 42 }, usage: null };
  },
};

function makeDeps() {
  const parsed = parseConfig(`
providers:
  native: { type: mock }
  demo: { type: mock }
routes:
  - match: claude-fo
    strategy: failover
    targets: [{ provider: native, model: claude-x }, { provider: demo }]
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const adapters = createAdapters(parsed.config);
  adapters.set('native', native);
  return { router: new Router(parsed.config, adapters), maxBodySize: 1 << 20, gate: createGate(parsed.config), cache: null };
}

const deps = makeDeps();

function call(path: string, body: unknown, headers: Record<string, string> = {}) {
  const req = new Request(`http://gw${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const ctx = newContext(req);
  const handler = path.endsWith('count_tokens') ? handleCountTokens : handleMessages;
  return { ctx, response: handler(req, ctx, deps) };
}

beforeEach(() => {
  received = [];
  failNative = null;
});

describe('native passthrough', () => {
  // Blocks and tools Dvara cannot translate still reach an Anthropic upstream untouched.
  const body = {
    model: 'native/claude-x',
    max_tokens: 50,
    messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/doc.pdf' } }, { type: 'text', text: 'Summarise', cache_control: { type: 'ephemeral' } }] }],
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
  };

  test('JSON: only the model is rewritten, anthropic-beta is forwarded (never the client anthropic-version), the bytes come back as is', async () => {
    const { ctx, response } = call('/v1/messages', body, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14', 'x-api-key': 'mk-secret' });
    const res = await response;
    expect(await res.text()).toBe(NATIVE_JSON);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('request-id')).toBe(ctx.requestId);
    expect(received).toHaveLength(1);
    expect(received[0]!.req).toEqual({ ...body, model: 'claude-x' });
    expect(received[0]!.call.headers).toEqual({ 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    expect(received[0]!.call.model).toBe('claude-x');
    expect(ctx.provider).toBe('native');
  });

  test('stream: the upstream\'s Anthropic SSE bytes are returned unchanged', async () => {
    const res = await call('/v1/messages', { ...body, stream: true }).response;
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toBe(NATIVE_SSE);
  });

  test('count_tokens uses the adapter\'s own counter', async () => {
    const res = await call('/v1/messages/count_tokens', { model: 'native/claude-x', messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-beta': 'b1' }).response;
    expect(await res.json()).toEqual({ input_tokens: 42 });
    expect(received[0]!.req.model).toBe('claude-x');
    expect(received[0]!.call.headers).toEqual({ 'anthropic-beta': 'b1' });
  });

  test('count_tokens without a native counter estimates', async () => {
    const res = await call('/v1/messages/count_tokens', { model: 'demo/x', messages: [{ role: 'user', content: 'x'.repeat(40) }] }).response;
    expect(await res.json()).toEqual({ input_tokens: 10 });
  });
});

describe('failover across native and translated targets', () => {
  const ask = { model: 'claude-fo', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] };

  test('a transient native failure fails over to a translated target, still answered in Anthropic shape', async () => {
    failNative = new ProviderError({ provider: 'native', failureClass: 'transient', message: 'Provider native returned 529' });
    const { ctx, response } = call('/v1/messages', ask);
    const msg = await (await response).json();
    expect(received).toHaveLength(1);
    expect(ctx.provider).toBe('demo');
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Mock reply from Dvara to: "Hello"' }] });
  });

  test('a client error from the native target is not failed over', async () => {
    failNative = new ProviderError({ provider: 'native', failureClass: 'client', status: 400, code: 'INVALID_REQUEST', message: 'bad' });
    await expect(call('/v1/messages', ask).response).rejects.toBe(failNative);
  });

  test('a body only a native upstream understands is refused when translation is needed, naming the provider', async () => {
    const err = await call('/v1/messages', { ...ask, model: 'demo/x', tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).response.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DvaraError);
    expect((err as DvaraError).code).toBe('INVALID_REQUEST');
    expect((err as DvaraError).message).toBe(
      "Invalid tools[0].type: names a server tool, which only Anthropic providers run (translating for provider demo, which does not speak Anthropic's Messages API)",
    );
  });
});
