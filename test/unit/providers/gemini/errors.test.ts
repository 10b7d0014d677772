// Google's error bodies (providers.md 3.5) → the OpenAI-style contract: whose fault, what status, what failover may do.
import { describe, expect, test } from 'bun:test';
import { ProviderError } from '../../../../src/providers/errors.ts';
import { providerErrorFromEvent, providerErrorFromResponse } from '../../../../src/providers/gemini/errors.ts';

/** Google's pretty-printed error body (2-space indent). */
const google = (code: number, status: string, message: string, details?: object[]) => JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }, null, 2);
const fromResponse = (status: number, text: string, headers: Record<string, string> = {}) => providerErrorFromResponse('g', status, text, new Headers(headers));
const summary = (e: ProviderError) => ({ failureClass: e.failureClass, status: e.status, code: e.code, upstreamStatus: e.upstreamStatus, failover: e.failoverEligible });

const RETRY_INFO = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' };

describe('providerErrorFromResponse', () => {
  test("400 INVALID_ARGUMENT is the client's: Google's own words, 400, no failover", () => {
    const msg = `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`;
    const e = fromResponse(400, google(400, 'INVALID_ARGUMENT', msg, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'tools[0]', description: msg }] }]));
    expect(summary(e)).toEqual({ failureClass: 'client', status: 400, code: 'INVALID_REQUEST', upstreamStatus: 400, failover: false });
    expect(e.message).toBe(msg);
  });

  test("400 with reason API_KEY_INVALID is Dvara's credentials: auth, 502, failover-eligible, points at api_key", () => {
    const e = fromResponse(
      400,
      google(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      ]),
    );
    expect(summary(e)).toEqual({ failureClass: 'auth', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 400, failover: true });
    expect(e.message).toContain('upstream 400 INVALID_ARGUMENT');
    expect(e.message).toContain('API key not valid');
    expect(e.message).toContain('api_key');
  });

  test('an expired key without details is recognised by its message', () => {
    expect(fromResponse(400, google(400, 'INVALID_ARGUMENT', 'API key expired. Please renew the API key.')).failureClass).toBe('auth');
  });

  test('403 PERMISSION_DENIED → auth, 502', () => {
    const e = fromResponse(403, google(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers.'));
    expect(summary(e)).toEqual({ failureClass: 'auth', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 403, failover: true });
    expect(e.message).toContain("rejected Dvara's credentials (upstream 403 PERMISSION_DENIED)");
  });

  test('404 NOT_FOUND (an unknown model) → 404 NOT_FOUND with Google\'s message', () => {
    const msg = 'models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.';
    const e = fromResponse(404, google(404, 'NOT_FOUND', msg));
    expect(summary(e)).toEqual({ failureClass: 'client', status: 404, code: 'NOT_FOUND', upstreamStatus: 404, failover: false });
    expect(e.message).toBe(msg);
  });

  test('429 RESOURCE_EXHAUSTED with RetryInfo "34.4s" → throttled, Retry-After rounded up to 35', () => {
    const e = fromResponse(429, google(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [RETRY_INFO]));
    expect(summary(e)).toEqual({ failureClass: 'throttled', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 429, failover: true });
    expect(e.headers).toEqual({ 'retry-after': '35' });
    expect(e.message).toBe('Provider g is rate limiting Dvara (upstream 429 RESOURCE_EXHAUSTED): You exceeded your current quota.');
  });

  test("429: an HTTP Retry-After header wins over RetryInfo; neither → no header", () => {
    expect(fromResponse(429, google(429, 'RESOURCE_EXHAUSTED', 'q', [RETRY_INFO]), { 'retry-after': '7' }).headers).toEqual({ 'retry-after': '7' });
    expect(fromResponse(429, google(429, 'RESOURCE_EXHAUSTED', 'q')).headers).toBeUndefined();
  });

  test('500 INTERNAL → 502 transient; 503 UNAVAILABLE → 503 PROVIDER_UNAVAILABLE; 504 → PROVIDER_TIMEOUT', () => {
    const internal = fromResponse(500, google(500, 'INTERNAL', 'An internal error has occurred.'));
    expect(summary(internal)).toEqual({ failureClass: 'transient', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 500, failover: true });
    expect(internal.message).toBe('Provider g failed (upstream 500 INTERNAL): An internal error has occurred.');
    const unavailable = fromResponse(503, google(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
    expect(summary(unavailable)).toEqual({ failureClass: 'transient', status: 503, code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503, failover: true });
    expect(unavailable.message).toContain('overloaded (upstream 503 UNAVAILABLE)');
    const timeout = fromResponse(504, google(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'));
    expect(summary(timeout)).toEqual({ failureClass: 'timeout', status: 504, code: 'PROVIDER_TIMEOUT', upstreamStatus: 504, failover: true });
  });

  test('a streaming request\'s error wrapped in a one-element array is read like the plain body', () => {
    const body = `[${google(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }])}]`;
    const e = fromResponse(400, body);
    expect(summary(e)).toEqual({ failureClass: 'auth', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 400, failover: true });
    expect(e.message).toContain('(upstream 400 INVALID_ARGUMENT): API key not valid.');
    const quota = fromResponse(429, `[${google(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted.', [RETRY_INFO])}]`);
    expect(quota.headers).toEqual({ 'retry-after': '35' });
    expect(quota.message).toBe('Provider g is rate limiting Dvara (upstream 429 RESOURCE_EXHAUSTED): Resource exhausted.');
  });

  test('a non-JSON body (an HTML page from a proxy) is quoted, trimmed to 300 characters; an empty one says so', () => {
    const html = `<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(400)}</body></html>`;
    const e = fromResponse(502, html);
    expect(e.message).toBe(`Provider g failed (upstream 502): ${html.slice(0, 300)}`);
    expect(fromResponse(500, '  ').message).toBe('Provider g failed (upstream 500): no error message');
  });
});

describe('providerErrorFromEvent', () => {
  const redact = (t: string) => t.replaceAll('AIzaSECRET', '[redacted]');

  test('classified by code when present (with RetryInfo)', () => {
    const e = providerErrorFromEvent('g', { code: 429, message: 'Quota.', status: 'RESOURCE_EXHAUSTED', details: [RETRY_INFO] }, redact);
    expect(summary(e)).toEqual({ failureClass: 'throttled', status: 502, code: 'PROVIDER_ERROR', upstreamStatus: 429, failover: true });
    expect(e.headers).toEqual({ 'retry-after': '35' });
  });

  test('classified by status name when the code is missing', () => {
    const by = (status: string) => summary(providerErrorFromEvent('g', { message: 'm', status }, redact));
    expect(by('UNAVAILABLE')).toMatchObject({ failureClass: 'transient', status: 503, code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503 });
    expect(by('RESOURCE_EXHAUSTED')).toMatchObject({ failureClass: 'throttled', upstreamStatus: 429 });
    expect(by('INVALID_ARGUMENT')).toMatchObject({ failureClass: 'client', status: 400, code: 'INVALID_REQUEST' });
    expect(by('PERMISSION_DENIED')).toMatchObject({ failureClass: 'auth', status: 502 });
    expect(by('DEADLINE_EXCEEDED')).toMatchObject({ failureClass: 'timeout', code: 'PROVIDER_TIMEOUT' });
    expect(by('SOMETHING_NEW')).toMatchObject({ failureClass: 'transient', upstreamStatus: 500 });
  });

  test('the whole body accepted too; neither code nor message → 500 quoting the error, redacted', () => {
    expect(providerErrorFromEvent('g', { error: { code: 404, message: 'gone', status: 'NOT_FOUND' } }, redact).code).toBe('NOT_FOUND');
    const e = providerErrorFromEvent('g', { weird: 'AIzaSECRET' }, redact);
    expect(summary(e)).toMatchObject({ failureClass: 'transient', upstreamStatus: 500 });
    expect(e.message).toBe('Provider g failed (upstream 500): {"weird":"[redacted]"}');
  });

  test("the message is redacted, including the client's own 400s", () => {
    const e = providerErrorFromEvent('g', { code: 400, message: 'Bad key AIzaSECRET in request', status: 'INVALID_ARGUMENT' }, redact);
    expect(e.message).toBe('Bad key [redacted] in request');
  });
});
