// The native Messages passthrough (adapter.messages / countTokens) against the fake Anthropic upstream: the body
// goes up with only the model rewritten, Anthropic's SSE bytes come back unchanged, usage is sniffed on the way.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { parseConfig } from '../../../../src/config/load.ts';
import { createAnthropicAdapter } from '../../../../src/providers/anthropic/index.ts';
import type { NativeCall, ProviderAdapter, StreamResult } from '../../../../src/providers/types.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { anthropicError, anthropicEvent, PING, planReply, startFakeAnthropic, streamEvents, type FakeAnthropic } from '../../../fakes/anthropic-upstream.ts';

const KEY = 'sk-ant-api03-native-test-key';
let fake: FakeAnthropic;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY });
  const parsed = parseConfig(`providers:\n  claude: { type: anthropic, api_key: ${KEY}, base_url: "${fake.url}/" }\n`, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const p = parsed.config.providers.claude!;
  if (p.type !== 'anthropic') throw new Error('expected anthropic');
  adapter = createAnthropicAdapter('claude', p);
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

const call = (headers: Record<string, string> = {}): NativeCall => ({
  model: 'claude-sonnet-4-20250514', signal: new AbortController().signal, includeUsage: false, traceId: 't-native', headers,
});
const req = { model: 'anthropic/claude-sonnet-4', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }], metadata: { user_id: 'u1' } };

describe('messages (native)', () => {
  test('JSON: body forwarded with the model rewritten, headers set, the answer forwarded as Anthropic\'s own text, usage read', async () => {
    const r = await adapter.messages!(req, call({ 'Anthropic-Beta': 'prompt-caching-2024-07-31', 'x-api-key': 'client-key', authorization: 'Bearer mk-x' }));
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1/messages');
    expect(rec.body).toEqual({ ...req, model: 'claude-sonnet-4-20250514' });
    expect(rec.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31', 'content-type': 'application/json' });
    expect(rec.headers.authorization).toBeUndefined();
    if (r.kind !== 'json') throw new Error('expected json');
    expect(typeof r.body).toBe('string');
    const msg = JSON.parse(r.body as string);
    expect(msg).toMatchObject({ type: 'message', model: 'claude-sonnet-4-20250514', content: [{ type: 'text', text: 'You said: Hello there' }] });
    expect(r.usage).toEqual({
      prompt_tokens: msg.usage.input_tokens, completion_tokens: msg.usage.output_tokens,
      total_tokens: msg.usage.input_tokens + msg.usage.output_tokens, prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(r.model).toBe('claude-sonnet-4-20250514');
  });

  test('the client\'s anthropic-version never replaces the configured one (SDKs send dates providers may not know)', async () => {
    await adapter.messages!(req, call({ 'anthropic-version': '2026-10-21' }));
    expect(fake.last()!.headers['anthropic-version']).toBe('2023-06-01');
  });

  test('stream: the SSE bytes are relayed unchanged; usage sniffed from message_start and message_delta', async () => {
    const body = { ...req, model: 'claude-sonnet-4-20250514', stream: true };
    const events = streamEvents(body, planReply(body, JSON.stringify(body)));
    fake.script({ sse: events });
    const r = (await adapter.messages!({ ...req, stream: true }, call())) as StreamResult;
    expect(r.kind).toBe('stream');
    const bytes = await new Response(r.body).text();
    expect(bytes).toBe(events.join(''));
    expect(bytes).toContain(PING);
    const start = JSON.parse(events[0]!.split('data: ')[1]!);
    const delta = JSON.parse(events.at(-2)!.split('data: ')[1]!);
    const input = start.message.usage.input_tokens;
    expect(await r.usage).toEqual({
      usage: { prompt_tokens: input, completion_tokens: delta.usage.output_tokens, total_tokens: input + delta.usage.output_tokens, prompt_tokens_details: { cached_tokens: 0 } },
      partial: false,
    });
  });

  test('stream: an error event before any content throws (failover possible); after content it is relayed as is', async () => {
    const start = anthropicEvent('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 9, output_tokens: 1 } } });
    const overloaded = anthropicEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    fake.script({ sse: [start, PING, overloaded] });
    const early = await adapter.messages!({ ...req, stream: true }, call()).catch((e) => e);
    expect(early).toBeInstanceOf(ProviderError);
    expect(early).toMatchObject({ status: 503, failureClass: 'transient' });

    const block = anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    fake.script({ sse: [start, block, overloaded] });
    const r = (await adapter.messages!({ ...req, stream: true }, call())) as StreamResult;
    expect(await new Response(r.body).text()).toBe(start + block + overloaded);
    expect(await r.usage).toEqual({ usage: expect.objectContaining({ prompt_tokens: 9 }), partial: true, errorCode: expect.any(String) });
  });

  test('stream cut mid-way: Anthropic\'s own error event is appended so the client knows', async () => {
    const start = anthropicEvent('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 9, output_tokens: 1 } } });
    const block = anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    fake.script({ sse: [start, block], destroy: true });
    const r = (await adapter.messages!({ ...req, stream: true }, call())) as StreamResult;
    const text = await new Response(r.body).text();
    expect(text.startsWith(start + block)).toBe(true);
    expect(text.slice((start + block).length)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":".+"\}\}\n\n$/);
  });

  test('upstream errors map like chat\'s, with the key kept out', async () => {
    fake.script({ status: 401, json: anthropicError('authentication_error', `invalid x-api-key ${KEY}`) });
    const e = await adapter.messages!(req, call()).catch((err) => err);
    expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'auth' });
    expect(e.message).not.toContain(KEY);
    fake.script({ status: 400, json: anthropicError('invalid_request_error', 'max_tokens: Field required') });
    expect(await adapter.messages!(req, call()).catch((err) => err)).toMatchObject({ status: 400, message: 'max_tokens: Field required' });
  });
});

describe('countTokens (native)', () => {
  test('POST /v1/messages/count_tokens with the model rewritten; the answer forwarded; no usage', async () => {
    const body = { model: 'x', messages: [{ role: 'user', content: 'Count me' }] };
    const r = await adapter.countTokens!(body, call({ 'anthropic-beta': 'token-counting-2024-11-01' }));
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1/messages/count_tokens');
    expect(rec.body).toEqual({ ...body, model: 'claude-sonnet-4-20250514' });
    expect(rec.headers['anthropic-beta']).toBe('token-counting-2024-11-01');
    expect(JSON.parse(r.body as string)).toEqual({ input_tokens: expect.any(Number) });
    expect(r.usage).toBeNull();
  });
});
