import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// A body the upstream would receive unchanged is forwarded as the client's own bytes, not re-serialised:
// for megabyte bodies that is a copy saved per request (docs/benchmarks.md). Rewritten bodies are re-serialised.
let fake: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  gw = await startTestGateway(`
providers:
  openai: { type: openai, api_key: sk-up, base_url: "${fake.url}/v1" }
`);
});
afterAll(async () => {
  await gw.stop();
  await fake.stop();
});
beforeEach(() => fake.reset());

const post = (body: string) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }, body });

test('an unchanged body reaches the upstream byte for byte (spacing, key order, unknown fields)', async () => {
  const sent = '{ "messages": [ {"role":"user","content":"hi"} ],\n  "model": "gpt-4o", "x_custom": {"b":1,"a":2} }';
  expect((await post(sent)).status).toBe(200);
  expect(fake.last()!.rawBody).toBe(sent);
});

test('a rewritten body (prefix stripped, usage requested on a stream) is re-serialised', async () => {
  expect((await post('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}')).status).toBe(200);
  expect(fake.last()!.rawBody).toBe('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}');
  const res = await post('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}');
  await res.text();
  expect(fake.last()!.body.stream_options).toEqual({ include_usage: true });
});
