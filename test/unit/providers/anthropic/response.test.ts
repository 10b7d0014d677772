// Golden tests for Anthropic message → OpenAI chat.completion (providers.md 2.3) and Anthropic errors → the contract (2.5).
import { describe, expect, test } from 'bun:test';
import { mapStopReason, toChatCompletion, toUsage } from '../../../../src/providers/anthropic/response.ts';
import { providerErrorFromEvent, providerErrorFromResponse } from '../../../../src/providers/anthropic/errors.ts';
import type { AnthropicMessage } from '../../../../src/providers/anthropic/wire.ts';

const plain = { jsonTool: null, reasoning: false };

function message(content: AnthropicMessage['content'], stop_reason: string, usage: AnthropicMessage['usage'] = { input_tokens: 12, output_tokens: 29 }): AnthropicMessage {
  return { id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, stop_reason, stop_sequence: null, usage };
}

describe('response', () => {
  test('the fixture text reply (anthropic-text.json) → chat.completion', () => {
    const c = toChatCompletion(
      message([{ type: 'text', text: 'Hello! ' }, { type: 'text', text: 'How can I help?' }], 'end_turn', {
        input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 29, service_tier: 'standard',
      }),
      plain,
    );
    expect(c).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(Math.abs(c.created - Date.now() / 1000)).toBeLessThan(5);
  });

  test('tool_use → tool_calls with JSON string arguments; text before them kept; finish tool_calls', () => {
    const c = toChatCompletion(
      message(
        [
          { type: 'text', text: "I'll check." },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'now', input: {} },
        ],
        'tool_use',
      ),
      plain,
    );
    const choice = c.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe("I'll check.");
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_01B', type: 'function', function: { name: 'now', arguments: '{}' } },
    ]);
  });

  test('only tool calls: content null', () => {
    const c = toChatCompletion(message([{ type: 'tool_use', id: 't', name: 'f', input: { a: 1 } }], 'tool_use'), plain);
    expect(c.choices[0]!.message.content).toBeNull();
  });

  test('the forced json tool is the answer: its input is the content, finish stop, no tool_calls', () => {
    const c = toChatCompletion(message([{ type: 'tool_use', id: 't', name: 'json', input: { answer: 'Paris' } }], 'tool_use'), { jsonTool: 'json', reasoning: false });
    expect(c.choices[0]).toMatchObject({ message: { content: '{"answer":"Paris"}' }, finish_reason: 'stop' });
    expect(c.choices[0]!.message.tool_calls).toBeUndefined();
  });

  test('thinking blocks never reach content; they surface as reasoning_content only when reasoning was asked for', () => {
    const content = [
      { type: 'thinking', thinking: 'Hmm, 2+2.', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'text', text: '4' },
    ];
    const hidden = toChatCompletion(message(content, 'end_turn'), plain).choices[0]!.message;
    expect(hidden).toEqual({ role: 'assistant', content: '4', refusal: null });
    const shown = toChatCompletion(message(content, 'end_turn'), { jsonTool: null, reasoning: true }).choices[0]!.message;
    expect(shown).toEqual({ role: 'assistant', content: '4', refusal: null, reasoning_content: 'Hmm, 2+2.' });
  });

  test('stop_reason → finish_reason', () => {
    expect(mapStopReason('end_turn')).toBe('stop');
    expect(mapStopReason('stop_sequence')).toBe('stop');
    expect(mapStopReason('pause_turn')).toBe('stop');
    expect(mapStopReason('max_tokens')).toBe('length');
    expect(mapStopReason('model_context_window_exceeded')).toBe('length');
    expect(mapStopReason('tool_use')).toBe('tool_calls');
    expect(mapStopReason('refusal')).toBe('content_filter');
    expect(mapStopReason(null)).toBeNull();
  });

  test('usage: prompt_tokens include cache reads and writes; cached_tokens are the reads', () => {
    expect(toUsage({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 7 })).toEqual({
      prompt_tokens: 115, completion_tokens: 7, total_tokens: 122, prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(toUsage({ input_tokens: 3, output_tokens: 1, cache_read_input_tokens: null })).toMatchObject({ prompt_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } });
    expect(toUsage(undefined)).toBeNull();
  });
});

describe('errors', () => {
  const KEY = 'sk-ant-api03-SECRETSECRET';
  const err = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011' });
  const none = new Headers();

  test('400 invalid_request_error: the client\'s mistake, Anthropic\'s words and status, no failover', () => {
    const e = providerErrorFromResponse('claude', 400, err('invalid_request_error', 'max_tokens: Field required'), none);
    expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: 'max_tokens: Field required', type: 'invalid_request_error', failureClass: 'client', upstreamStatus: 400 });
    expect(e.failoverEligible).toBe(false);
  });

  test('401/403: PROVIDER_ERROR 502 saying the provider rejected Dvara\'s credentials; failover-eligible', () => {
    for (const [status, type] of [[401, 'authentication_error'], [403, 'permission_error']] as const) {
      const e = providerErrorFromResponse('claude', status, err(type, 'invalid x-api-key'), none);
      expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'auth' });
      expect(e.message).toContain("rejected Dvara's credentials");
      expect(e.message).toContain('api_key');
      expect(e.failoverEligible).toBe(true);
    }
  });

  test('429: PROVIDER_ERROR, throttled (failover-eligible), retry-after kept', () => {
    const e = providerErrorFromResponse('claude', 429, err('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), new Headers({ 'retry-after': '7' }));
    expect(e).toMatchObject({ status: 502, code: 'PROVIDER_ERROR', failureClass: 'throttled', headers: { 'retry-after': '7' } });
    expect(e.message).toContain('rate limiting');
    expect(e.failoverEligible).toBe(true);
  });

  test('529 overloaded: 503 PROVIDER_UNAVAILABLE, failover-eligible; 500: 502; 504: PROVIDER_TIMEOUT', () => {
    const o = providerErrorFromResponse('claude', 529, err('overloaded_error', 'Overloaded'), none);
    expect(o).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
    expect(o.message).toContain('Overloaded');
    expect(providerErrorFromResponse('claude', 500, err('api_error', 'Internal server error'), none)).toMatchObject({ status: 502, code: 'PROVIDER_ERROR' });
    expect(providerErrorFromResponse('claude', 504, err('timeout_error', 'Request timeout'), none)).toMatchObject({ status: 504, code: 'PROVIDER_TIMEOUT' });
  });

  test('404 and 413 keep their meaning; a non-JSON body is quoted', () => {
    expect(providerErrorFromResponse('claude', 404, err('not_found_error', 'model: claude-x'), none)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(providerErrorFromResponse('claude', 413, err('request_too_large', 'Request exceeds the maximum allowed number of bytes.'), none)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(providerErrorFromResponse('claude', 502, '<html>Bad Gateway</html>', none).message).toContain('<html>Bad Gateway</html>');
  });

  test('error events (no HTTP status) are classified by their type, and redacted', () => {
    const redact = (t: string) => t.replaceAll(KEY, '[redacted]');
    expect(providerErrorFromEvent('claude', { type: 'overloaded_error', message: 'Overloaded' }, redact)).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE' });
    expect(providerErrorFromEvent('claude', { type: 'invalid_request_error', message: 'bad' }, redact)).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const leaked = providerErrorFromEvent('claude', { type: 'authentication_error', message: `bad key ${KEY}` }, redact);
    expect(leaked.message).not.toContain(KEY);
    expect(leaked.status).toBe(502);
  });
});
