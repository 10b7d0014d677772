// Bedrock errors → Dvara's contract (providers.md 4.7): HTTP errors named by `x-amzn-ErrorType`, and the
// exception frames of a ConverseStream (4.3), which carry no status of their own.
import { describe, expect, test } from 'bun:test';
import { providerErrorFromException, providerErrorFromResponse } from '../../../../src/providers/bedrock/errors.ts';
import { compileUpstream } from '../../../../src/providers/bedrock/upstream.ts';
import { ProviderError } from '../../../../src/providers/errors.ts';

const CORAL = ':http://internal.amazon.com/coral/com.amazon.bedrock/';
const httpError = (status: number, name: string, message: string, extra: Record<string, string> = {}) =>
  providerErrorFromResponse('aws', status, JSON.stringify({ message }), new Headers({ 'x-amzn-ErrorType': `${name}${CORAL}`, 'x-amzn-RequestId': 'req-1', ...extra }));

describe('providerErrorFromResponse', () => {
  test('400 ValidationException: the client\'s mistake, in Bedrock\'s own words, never failed over', () => {
    const e = httpError(400, 'ValidationException', 'The model returned the following errors: max_tokens: must be at most 8192');
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({
      status: 400, code: 'INVALID_REQUEST', failureClass: 'client', type: 'invalid_request_error', upstreamStatus: 400,
      message: 'The model returned the following errors: max_tokens: must be at most 8192',
    });
    expect(e.failoverEligible).toBe(false);
  });

  test('404 ResourceNotFoundException → 404 NOT_FOUND', () => {
    expect(httpError(404, 'ResourceNotFoundException', 'Model not found.')).toMatchObject({ status: 404, code: 'NOT_FOUND', failureClass: 'client', message: 'Model not found.' });
  });

  test('403 AccessDeniedException → 502 auth, failover-eligible, pointing at Dvara\'s AWS credentials', () => {
    const e = httpError(403, 'AccessDeniedException', "You don't have access to the model with the specified model ID.");
    expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'auth', upstreamStatus: 403 });
    expect(e.failoverEligible).toBe(true);
    expect(e.message).toBe(
      "Provider aws rejected Dvara's credentials (upstream 403 AccessDeniedException): You don't have access to the model with the specified model ID.. " +
        "Check the provider's AWS credentials (access_key_id/secret_access_key, AWS_* variables or profile) and region in the Dvara config.",
    );
  });

  test('429 ThrottlingException / ModelNotReadyException → 502 throttled, Retry-After kept', () => {
    const e = httpError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.', { 'retry-after': '3' });
    expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'throttled', headers: { 'retry-after': '3' } });
    expect(e.message).toBe('Provider aws is rate limiting Dvara (upstream 429 ThrottlingException): Too many requests, please wait before trying again.');
    expect(httpError(429, 'ModelNotReadyException', 'warming up')).toMatchObject({ failureClass: 'throttled' });
  });

  test('408 ModelTimeoutException → 504 PROVIDER_TIMEOUT', () => {
    expect(httpError(408, 'ModelTimeoutException', 'Model timed out')).toMatchObject({ status: 504, code: 'PROVIDER_TIMEOUT', failureClass: 'timeout' });
  });

  test('424 ModelErrorException → 502 transient: the model failed, not the client (the upstream status is still 424)', () => {
    const e = httpError(424, 'ModelErrorException', 'The model produced an invalid sequence');
    expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'transient', upstreamStatus: 424 });
    expect(e.message).toBe('Provider aws failed (upstream 424 ModelErrorException): The model produced an invalid sequence');
  });

  test('500 InternalServerException → 502; 503 ServiceUnavailableException → 503 PROVIDER_UNAVAILABLE', () => {
    expect(httpError(500, 'InternalServerException', 'oops')).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'transient', message: 'Provider aws failed (upstream 500 InternalServerException): oops' });
    const e = httpError(503, 'ServiceUnavailableException', 'Service unavailable');
    expect(e).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
    expect(e.message).toBe('Provider aws is overloaded (upstream 503 ServiceUnavailableException): Service unavailable');
  });

  test('no error-type header and a body that is not JSON: the status and the text itself', () => {
    const e = providerErrorFromResponse('aws', 502, '<html>Bad Gateway</html>', new Headers());
    expect(e.message).toBe('Provider aws failed (upstream 502): <html>Bad Gateway</html>');
    expect(providerErrorFromResponse('aws', 500, '', new Headers()).message).toBe('Provider aws failed (upstream 500): no error message');
    expect(providerErrorFromResponse('aws', 400, '{"Message":"capitalised"}', new Headers()).message).toBe('capitalised');
  });
});

describe('providerErrorFromException (stream exception frames)', () => {
  const redact = (t: string) => t;
  const frame = (type: string, message: string) => providerErrorFromException('aws', type, JSON.stringify({ message }), redact);

  test.each([
    ['throttlingException', 'throttled', 502, 'PROVIDER_ERROR'],
    ['ThrottlingException', 'throttled', 502, 'PROVIDER_ERROR'],
    ['modelStreamErrorException', 'transient', 502, 'PROVIDER_ERROR'],
    ['internalServerException', 'transient', 502, 'PROVIDER_ERROR'],
    ['serviceUnavailableException', 'transient', 503, 'PROVIDER_UNAVAILABLE'],
    ['validationException', 'client', 400, 'INVALID_REQUEST'],
    ['modelTimeoutException', 'timeout', 504, 'PROVIDER_TIMEOUT'],
    ['accessDeniedException', 'auth', 502, 'PROVIDER_ERROR'],
    ['someNewException', 'transient', 502, 'PROVIDER_ERROR'],
  ])('%s → %s, %d %s (case-insensitive)', (type, failureClass, status, code) => {
    expect(frame(type, 'boom')).toMatchObject({ failureClass, status, code });
  });

  test('the message names the exception and keeps the upstream words', () => {
    expect(frame('throttlingException', 'Too many tokens, please wait.').message).toBe('Provider aws is rate limiting Dvara (upstream 429 throttlingException): Too many tokens, please wait.');
    expect(frame('validationException', 'Input is too long for requested model.').message).toBe('Input is too long for requested model.');
    expect(providerErrorFromException('aws', 'internalServerException', '', redact).message).toBe('Provider aws failed (upstream 500 internalServerException): no error message');
  });

  test('Dvara\'s secrets passed through redact never appear in the message', () => {
    const up = compileUpstream('aws', { type: 'bedrock', region: 'us-east-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } as never);
    const payload = JSON.stringify({ message: 'signature for AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY did not match' });
    for (const type of ['validationException', 'internalServerException']) {
      const e = providerErrorFromException('aws', type, payload, up.redact);
      expect(e.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(e.message).not.toContain('wJalrXUtnFEMI');
      expect(e.message).toContain('signature for [redacted] with [redacted] did not match');
    }
    // The payload is redacted even when it is not JSON.
    expect(providerErrorFromException('aws', 'internalServerException', 'raw wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', up.redact).message).not.toContain('wJalr');
  });
});
