// OpenTelemetry end to end: a request through the gateway reaches a fake OTLP collector as a SERVER span with the
// GenAI attributes and a CLIENT child per upstream attempt; an incoming traceparent is honoured, and the upstream
// receives a traceparent of the same trace.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { initTracing, shutdownTracing } from '../../src/observability/tracing.ts';
import { startFakeCollector, type FakeCollector } from '../fakes/otlp-collector.ts';
import { openaiError, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let collector: FakeCollector;
let a: FakeUpstream;
let b: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  collector = startFakeCollector();
  [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  initTracing({ otlp_endpoint: collector.url, service_name: 'dvara-test', sample_ratio: 1 });
  gw = await startTestGateway(`
providers:
  a: { type: openai, api_key: sk-a, base_url: "${a.url}/v1", breaker: { enabled: false } }
  b: { type: openai, api_key: sk-b, base_url: "${b.url}/v1" }
routes:
  - match: traced
    targets: [{ provider: a, model: gpt-4o }, { provider: b, model: gpt-4o-mini }]
`);
});
afterAll(async () => {
  await gw?.stop();
  await shutdownTracing();
  await a?.stop();
  await b?.stop();
  collector?.stop();
});

test('a failed-over request: one SERVER span with GenAI attributes, a CLIENT child per attempt, traceparent upstream', async () => {
  a.script({ status: 500, json: openaiError('boom', 'server_error') });
  const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await api(gw, '/v1/chat/completions', {
    method: 'POST',
    headers: { traceparent: `00-${parentTrace}-00f067aa0ba902b7-01` },
    json: { model: 'traced', messages: [{ role: 'user', content: 'trace me' }] },
  });
  expect(res.status).toBe(200);
  await gw.gateway.stop();
  await shutdownTracing();
  const spans = collector.spans;
  const server = spans.find((s) => s.kind === 'SERVER');
  expect(server).toBeDefined();
  expect(server!.traceId).toBe(parentTrace);
  expect(server!.parentSpanId).toBe('00f067aa0ba902b7');
  expect(server!.attributes).toMatchObject({ 'gen_ai.request.model': 'traced', 'gen_ai.response.model': 'gpt-4o-mini', 'dvara.attempts': 2 });
  expect(server!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
  const clients = spans.filter((s) => s.kind === 'CLIENT');
  expect(clients.map((c) => c.attributes['gen_ai.request.model'])).toEqual(['gpt-4o', 'gpt-4o-mini']);
  expect(clients.every((c) => c.parentSpanId === server!.spanId && c.traceId === parentTrace)).toBe(true);
  expect(clients[0]!.status.code).toBe('ERROR');
  // Each upstream saw a W3C traceparent of the same trace.
  expect(a.last()!.headers.traceparent).toStartWith(`00-${parentTrace}-`);
  expect(b.last()!.headers.traceparent).toStartWith(`00-${parentTrace}-`);
  expect(JSON.stringify(spans)).not.toContain(gw.key);
});
