import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import type { RequestRecord } from '../../../src/observability/record.ts';
import {
  flushTracing,
  genAiSystem,
  initTracing,
  noopAttemptSpan,
  noopRequestSpan,
  shutdownTracing,
  startRequestSpan,
  tracesUrl,
  tracingConfigSchema,
  tracingEnabled,
} from '../../../src/observability/tracing.ts';
import { startFakeCollector, type CollectedSpan, type FakeCollector } from '../../fakes/otlp-collector.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ts: Date.now(),
    request_id: 'req_test',
    trace_id: 'trace',
    session_id: null,
    tenant: 'acme',
    key_id: 'key_123',
    endpoint: 'chat',
    protocol: 'openai',
    model: 'gpt-4o',
    provider: 'claude',
    upstream_model: 'claude-sonnet-4',
    attempts: 2,
    path: null,
    status: 200,
    error_code: null,
    stream: false,
    latency_ms: 12,
    ttft_ms: null,
    prompt_tokens: 11,
    completion_tokens: 7,
    cached_tokens: null,
    reasoning_tokens: null,
    partial: false,
    estimated: false,
    cost_usd: null,
    cache_hit: false,
    saved_cost_usd: null,
    client_ip: '10.0.0.1',
    user_agent: 'test',
    ...over,
  };
}

function post(headers: Record<string, string> = {}): Request {
  return new Request('http://gateway.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-secret', ...headers },
    body: '{"model":"gpt-4o","messages":[{"role":"user","content":"a secret prompt"}]}',
  });
}

const byName = (spans: CollectedSpan[], kind: CollectedSpan['kind']) => spans.filter((s) => s.kind === kind);

describe('tracing off (never initialised)', () => {
  test('every function returns the shared no-op objects', async () => {
    initTracing(undefined);
    expect(tracingEnabled()).toBe(false);
    const span = startRequestSpan(post(), { traceId: 'abc', endpoint: 'chat', model: 'gpt-4o' });
    expect(span).toBe(noopRequestSpan);
    expect(span.traceId).toBeNull();
    expect(span.traceparent()).toBeNull();
    const attempt = span.attempt('openai', 'gpt-4o', 'openai', 'api.openai.com');
    expect(attempt).toBe(noopAttemptSpan);
    expect(attempt.traceparent()).toBeNull();
    attempt.end({ status: 500, error: 'x' });
    span.end(record());
    // The same objects every time: nothing is allocated per request.
    expect(startRequestSpan(post(), { traceId: 'def', endpoint: 'embeddings', model: null })).toBe(noopRequestSpan);
    await flushTracing();
    await shutdownTracing();
    expect(tracingEnabled()).toBe(false);
  });
});

describe('tracing to a fake OTLP/HTTP collector', () => {
  let collector: FakeCollector;
  beforeAll(() => {
    collector = startFakeCollector();
  });
  afterAll(async () => {
    await shutdownTracing();
    await collector.stop();
  });
  afterEach(async () => {
    await shutdownTracing();
    collector.reset();
  });

  const init = (extra: { sample_ratio?: number } = {}) =>
    initTracing(tracingConfigSchema.parse({ otlp_endpoint: collector.url, service_name: 'dvara-test', headers: { 'x-collector-token': 't0k' }, ...extra }));

  test('a request span with two attempt children reaches the collector with the GenAI attributes', async () => {
    init();
    expect(tracingEnabled()).toBe(true);
    const gatewayTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const span = startRequestSpan(post({ 'x-trace-id': gatewayTraceId }), { traceId: gatewayTraceId, endpoint: 'chat', model: 'gpt-4o' });
    expect(span.traceId).toBe(gatewayTraceId);

    const first = span.attempt('oai', 'gpt-4o', 'openai', 'api.openai.com');
    const firstHeader = span.traceparent();
    expect(firstHeader).toMatch(TRACEPARENT);
    expect(first.traceparent()).toBe(firstHeader);
    first.end({ status: 503, error: 'upstream overloaded', errorType: 'PROVIDER_ERROR' });

    const second = span.attempt('claude', 'claude-sonnet-4', 'anthropic');
    const secondHeader = span.traceparent();
    expect(secondHeader).toMatch(TRACEPARENT);
    expect(secondHeader).not.toBe(firstHeader);
    second.end({ status: 200 });

    span.end(record({ cached_tokens: 3, ttft_ms: 250 }));
    await shutdownTracing();

    const spans = await collector.waitForSpans(3);
    expect(spans).toHaveLength(3);
    const [server] = byName(spans, 'SERVER');
    const clients = byName(spans, 'CLIENT');
    expect(server).toBeDefined();
    expect(clients).toHaveLength(2);

    expect(server!.name).toBe('chat gpt-4o');
    expect(server!.traceId).toBe(gatewayTraceId);
    expect(server!.parentSpanId).toBe('');
    expect(server!.resource['service.name']).toBe('dvara-test');
    expect(server!.status.code).toBe('UNSET');
    expect(server!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'claude-sonnet-4',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.usage.cache_read.input_tokens': 3,
      'gen_ai.response.time_to_first_chunk': 0.25,
      'http.response.status_code': 200,
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'dvara.tenant': 'acme',
      'dvara.attempts': 2,
      'dvara.cache_hit': false,
      'dvara.trace_id': gatewayTraceId,
    });
    expect(server!.attributes['error.type']).toBeUndefined();

    const [a1, a2] = [clients.find((s) => s.attributes['dvara.provider'] === 'oai')!, clients.find((s) => s.attributes['dvara.provider'] === 'claude')!];
    for (const c of [a1, a2]) {
      expect(c.traceId).toBe(gatewayTraceId);
      expect(c.parentSpanId).toBe(server!.spanId);
    }
    expect(a1.name).toBe('chat gpt-4o');
    expect(a1.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'server.address': 'api.openai.com',
      'http.response.status_code': 503,
      'error.type': 'PROVIDER_ERROR',
    });
    expect(a1.status).toEqual({ code: 'ERROR', message: 'upstream overloaded' });
    expect(a2.name).toBe('chat claude-sonnet-4');
    expect(a2.attributes).toMatchObject({ 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4', 'http.response.status_code': 200 });
    expect(a2.attributes['server.address']).toBeUndefined();
    expect(a2.status.code).toBe('UNSET');

    // The traceparent handed to each upstream names that attempt's span.
    expect(firstHeader).toBe(`00-${gatewayTraceId}-${a1.spanId}-01`);
    expect(secondHeader).toBe(`00-${gatewayTraceId}-${a2.spanId}-01`);

    // The collector's own headers came along; no request header, body or key did.
    expect(collector.requests[0]!.headers['x-collector-token']).toBe('t0k');
    const everything = JSON.stringify(spans);
    expect(everything).not.toContain('sk-secret');
    expect(everything).not.toContain('a secret prompt');
    expect(everything).not.toContain('key_123');
    expect(everything).not.toContain('10.0.0.1');
  });

  test('an incoming traceparent makes the request span its child in the same trace', async () => {
    init();
    const parentTrace = '0af7651916cd43dd8448eb211c80319c';
    const parentSpan = 'b7ad6b7169203331';
    const span = startRequestSpan(post({ traceparent: `00-${parentTrace}-${parentSpan}-01`, 'x-trace-id': 'client-trace-7' }), {
      traceId: 'client-trace-7',
      endpoint: 'embeddings',
      model: 'text-embedding-3-small',
    });
    expect(span.traceId).toBe(parentTrace);
    // Before any attempt the header names the request span itself.
    const own = span.traceparent();
    expect(own).toMatch(TRACEPARENT);
    expect(own!.startsWith(`00-${parentTrace}-`)).toBe(true);

    const attempt = span.attempt('gem', 'text-embedding-004', 'gemini');
    const header = attempt.traceparent()!;
    const [, traceId, spanId] = TRACEPARENT.exec(header)!;
    expect(traceId).toBe(parentTrace);
    expect(spanId).not.toBe(parentSpan);
    attempt.end({ status: 200 });
    span.end(record({ endpoint: 'embeddings', model: 'text-embedding-3-small', upstream_model: 'text-embedding-004', attempts: 1 }));
    await flushTracing();

    const spans = await collector.waitForSpans(2);
    const server = byName(spans, 'SERVER')[0]!;
    const client = byName(spans, 'CLIENT')[0]!;
    expect(server.traceId).toBe(parentTrace);
    expect(server.parentSpanId).toBe(parentSpan);
    expect(server.name).toBe('embeddings text-embedding-3-small');
    expect(server.attributes['dvara.trace_id']).toBe('client-trace-7');
    expect(server.attributes['gen_ai.operation.name']).toBe('embeddings');
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.spanId).toBe(spanId!);
    expect(client.attributes['gen_ai.system']).toBe('gcp.gemini');
  });

  test('without traceparent, a non-hex X-Trace-ID is kept as dvara.trace_id in a fresh trace', async () => {
    init();
    const span = startRequestSpan(post({ 'x-trace-id': 'my-app:42' }), { traceId: 'my-app:42', endpoint: 'messages', model: null });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    span.end(record({ endpoint: 'messages', model: 'claude-haiku', status: 502, error_code: 'PROVIDER_ERROR', attempts: 1 }));
    await flushTracing();
    const [server] = await collector.waitForSpans(1);
    expect(server!.traceId).toBe(span.traceId!);
    expect(server!.parentSpanId).toBe('');
    expect(server!.name).toBe('chat claude-haiku');
    expect(server!.attributes['dvara.trace_id']).toBe('my-app:42');
    expect(server!.attributes['error.type']).toBe('PROVIDER_ERROR');
    expect(server!.status).toEqual({ code: 'ERROR', message: 'PROVIDER_ERROR' });
  });

  test('a 4xx leaves the server span status unset; a stream that ended in an error is an error', async () => {
    init();
    startRequestSpan(post(), { traceId: 'a', endpoint: 'chat', model: 'm' }).end(record({ status: 429, error_code: 'RATE_LIMITED' }));
    startRequestSpan(post(), { traceId: 'b', endpoint: 'chat', model: 'm' }).end(record({ status: 200, stream: true, error_code: 'PROVIDER_ERROR', partial: true }));
    await flushTracing();
    const spans = await collector.waitForSpans(2);
    const limited = spans.find((s) => s.attributes['dvara.trace_id'] === 'a')!;
    const cut = spans.find((s) => s.attributes['dvara.trace_id'] === 'b')!;
    expect(limited.status.code).toBe('UNSET');
    expect(limited.attributes['error.type']).toBe('RATE_LIMITED');
    expect(cut.status.code).toBe('ERROR');
    expect(cut.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'dvara.partial': true });
  });

  test('end is idempotent and closes an attempt left open', async () => {
    init();
    const span = startRequestSpan(post(), { traceId: 'c', endpoint: 'chat', model: 'm' });
    span.attempt('p', 'm', 'deepseek');
    span.end(record());
    span.end(record());
    expect(span.attempt('p', 'm')).toBe(noopAttemptSpan);
    await flushTracing();
    const spans = await collector.waitForSpans(2);
    await Bun.sleep(50);
    expect(spans).toHaveLength(2);
    expect(byName(spans, 'CLIENT')[0]!.attributes['gen_ai.system']).toBe('deepseek');
  });

  test('an unsampled parent is honoured: nothing exported, the header still propagates with flags 00', async () => {
    init();
    const parentTrace = '11111111111111111111111111111111';
    const span = startRequestSpan(post({ traceparent: `00-${parentTrace}-2222222222222222-00` }), { traceId: 'd', endpoint: 'chat', model: 'm' });
    const attempt = span.attempt('oai', 'm', 'openai');
    const header = attempt.traceparent()!;
    expect(header).toMatch(new RegExp(`^00-${parentTrace}-[0-9a-f]{16}-00$`));
    attempt.end({ status: 200 });
    span.end(record());
    await shutdownTracing();
    expect(collector.spans).toHaveLength(0);
  });

  test('sample_ratio 0 records no new traces but still hands out a traceparent', async () => {
    init({ sample_ratio: 0 });
    const span = startRequestSpan(post(), { traceId: 'e', endpoint: 'chat', model: 'm' });
    expect(span.attempt('oai', 'm').traceparent()).toMatch(/-00$/);
    span.end(record());
    await shutdownTracing();
    expect(collector.spans).toHaveLength(0);
  });

  test('an invalid traceparent is ignored', async () => {
    init();
    const span = startRequestSpan(post({ traceparent: '00-zzzz-1234-01' }), { traceId: 'f', endpoint: 'chat', model: 'm' });
    span.end(record());
    await flushTracing();
    const [server] = await collector.waitForSpans(1);
    expect(server!.parentSpanId).toBe('');
  });
});

describe('an unreachable collector', () => {
  test('shutdownTracing neither throws nor waits past its limit, and logs one line', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    const port = closed.port;
    await closed.stop(true);
    const errors = spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      initTracing({ otlp_endpoint: `http://127.0.0.1:${port}` });
      startRequestSpan(post(), { traceId: 'g', endpoint: 'chat', model: 'm' }).end(record());
      const started = performance.now();
      await shutdownTracing(300);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(tracingEnabled()).toBe(false);
      const lines = errors.mock.calls.map((c) => String(c[0]));
      expect(lines.some((l) => l.includes('telemetry:'))).toBe(true);
      expect(lines.join('\n')).not.toContain('sk-secret');
    } finally {
      errors.mockRestore();
    }
  });
});

describe('config and helpers', () => {
  test('tracingConfigSchema applies defaults and is strict', () => {
    expect(tracingConfigSchema.parse({ otlp_endpoint: 'http://collector:4318' })).toEqual({
      otlp_endpoint: 'http://collector:4318',
      service_name: 'dvara',
      sample_ratio: 1,
    });
    expect(tracingConfigSchema.parse({ otlp_endpoint: 'https://c.example', sample_ratio: '0.25' }).sample_ratio).toBe(0.25);
    expect(tracingConfigSchema.safeParse({ otlp_endpoint: 'collector:4318' }).success).toBe(false);
    expect(tracingConfigSchema.safeParse({ otlp_endpoint: 'ftp://collector' }).success).toBe(false);
    expect(tracingConfigSchema.safeParse({ otlp_endpoint: 'http://c', sample_ratio: 1.5 }).success).toBe(false);
    expect(tracingConfigSchema.safeParse({ otlp_endpoint: 'http://c', endpoint: 'typo' }).success).toBe(false);
    expect(tracingConfigSchema.safeParse({}).success).toBe(false);
  });

  test('tracesUrl adds /v1/traces to a base URL only', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example/prefix/v1/traces')).toBe('https://otel.example/prefix/v1/traces');
  });

  test('provider types map to the GenAI conventions', () => {
    expect(genAiSystem('openai')).toBe('openai');
    expect(genAiSystem('anthropic')).toBe('anthropic');
    expect(genAiSystem('gemini')).toBe('gcp.gemini');
    expect(genAiSystem('bedrock')).toBe('aws.bedrock');
    expect(genAiSystem('azure')).toBe('azure.ai.openai');
    expect(genAiSystem('mistral')).toBe('mistral_ai');
    expect(genAiSystem('qwen')).toBe('qwen');
  });
});
