// POST /v1/messages to a provider that speaks Anthropic natively (the anthropic adapter against the fake
// Anthropic API): the body goes upstream with only the model rewritten, the answer comes back as sent.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { anthropicError, PING, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';

const UPSTREAM_KEY = 'sk-ant-upstream-SECRET-7c1e';
let fake: FakeAnthropic;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: UPSTREAM_KEY });
  gw = await startTestGateway(`
providers:
  anthropic: { type: anthropic, api_key: "${UPSTREAM_KEY}", base_url: "${fake.url}" }
`);
  client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const hello = [{ role: 'user' as const, content: 'Hello there' }];

describe('native passthrough', () => {
  test('messages.create: the SDK body reaches the upstream with only the model rewritten; headers forwarded', async () => {
    const params = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, system: [{ type: 'text' as const, text: 'Be terse.', cache_control: { type: 'ephemeral' as const } }], messages: hello };
    // Betas reach the upstream; the client's anthropic-version (the Python SDK 2.x sends a 2026 date) does not:
    // the provider's configured version, which it accepts, is sent instead.
    const headers = { 'anthropic-beta': 'token-efficient-tools-2025-02-19', 'anthropic-version': '2026-10-21' };
    const msg = await client.messages.create(params, { headers });
    expect(msg.type).toBe('message');
    expect(msg.content[0]!.type).toBe('text');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);

    const up = fake.last()!;
    expect(up.path).toBe('/v1/messages');
    expect(up.body).toEqual({ ...params, model: 'claude-sonnet-4-5' });
    expect(up.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers['anthropic-beta']).toBe('token-efficient-tools-2025-02-19');
    expect(JSON.stringify(up.headers)).not.toContain(gw.key);
  });

  test('streaming: Anthropic\'s own events come through (the upstream\'s ping bytes included); the SDK helper works', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, stream: true, messages: hello }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.startsWith('event: message_start\n')).toBe(true);
    expect(text).toContain(PING);
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);

    const texts: string[] = [];
    const stream = client.messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: hello });
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect((final.content[0] as Anthropic.TextBlock).text).toBe(texts.join(''));
    expect(final.stop_reason).toBe('end_turn');
  });

  test('count_tokens is the upstream\'s own count', async () => {
    const r = await client.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', messages: hello });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(fake.last()!.path).toBe('/v1/messages/count_tokens');
    expect(fake.last()!.body.model).toBe('claude-sonnet-4-5');
  });

  test('an upstream error is returned in Anthropic\'s shape with a Dvara code', async () => {
    fake.script({ status: 400, json: anthropicError('invalid_request_error', 'messages.0.content: bad') });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 10, messages: hello }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string }; code: string };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('messages.0.content: bad');
    expect(typeof body.code).toBe('string');
    expect(JSON.stringify(body)).not.toContain(UPSTREAM_KEY);
  });
});
