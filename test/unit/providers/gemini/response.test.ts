// Golden tests for Gemini generateContent response → OpenAI chat.completion (providers.md 3.2).
import { describe, expect, test } from 'bun:test';
import { blockedPromptError, mapFinishReason, toChatCompletion, toUsage } from '../../../../src/providers/gemini/response.ts';
import { signatureOf } from '../../../../src/providers/gemini/tool-ids.ts';
import type { GenerateContentResponse } from '../../../../src/providers/gemini/wire.ts';

const plain = { reasoning: false };
const withThoughts = { reasoning: true };
const convert = (r: GenerateContentResponse, shape = plain) => toChatCompletion(r, 'gemini-2.5-flash', 'chatcmpl-trace1', shape);

/** Fixture google-tool-call.json (providers.md 3.2). */
const TOOL_CALL: GenerateContentResponse = JSON.parse(`{
  "candidates": [{"content": {"parts": [{"functionCall": {"name": "weather","args": {"location": "San Francisco"}},"thoughtSignature": "EskgCs…"}],"role": "model"},
    "finishReason": "STOP","index": 0,"finishMessage": "Model generated function call(s)."}],
  "usageMetadata": {"promptTokenCount": 29,"candidatesTokenCount": 15,"totalTokenCount": 937,"thoughtsTokenCount": 893},
  "modelVersion": "gemini-3-pro-preview","responseId": "m36LaZGyCLz1xs0PtNSB-QU"
}`);

const text = (parts: object[], finishReason = 'STOP', index = 0) => ({ content: { parts, role: 'model' }, finishReason, index });
const USAGE = { promptTokenCount: 8, candidatesTokenCount: 3, totalTokenCount: 11 };

describe('toChatCompletion', () => {
  test('the tool-call fixture: tool_calls carrying the signature, finish tool_calls despite STOP, thoughts in usage', () => {
    const c = convert(TOOL_CALL);
    expect(c).toEqual({
      id: 'chatcmpl-m36LaZGyCLz1xs0PtNSB-QU',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-3-pro-preview',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: expect.stringMatching(/^call_[0-9a-f]{24}__ts__EskgCs…$/), type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 29, completion_tokens: 908, total_tokens: 937, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 893 } },
    });
    expect(signatureOf(c.choices[0]!.message.tool_calls![0]!.id)).toBe('EskgCs…');
    expect(Math.abs(c.created - Date.now() / 1000)).toBeLessThan(5);
  });

  test('Gemini call ids are kept; unsigned calls get plain ids; two calls keep their order', () => {
    const c = convert({
      candidates: [text([{ text: 'Checking both.' }, { functionCall: { id: 'fc_1', name: 'a', args: {} } }, { functionCall: { name: 'b' } }])],
      usageMetadata: USAGE,
    });
    const m = c.choices[0]!.message;
    expect(m.content).toBe('Checking both.');
    expect(m.tool_calls).toEqual([
      { id: 'fc_1', type: 'function', function: { name: 'a', arguments: '{}' } },
      { id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'b', arguments: '{}' } },
    ]);
    expect(m.tool_calls![0]!.id).not.toBe(m.tool_calls![1]!.id);
    expect(signatureOf(m.tool_calls![1]!.id)).toBeUndefined();
  });

  test('a text reply: parts joined, finish stop, fallback id and requested model when Gemini names neither', () => {
    expect(convert({ candidates: [text([{ text: 'Hello! ' }, { text: 'How can I help?' }])], usageMetadata: USAGE })).toEqual({
      id: 'chatcmpl-trace1',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  test('thought parts are dropped unless the client asked for reasoning, then they are reasoning_content', () => {
    const r = { candidates: [text([{ text: 'Let me think. ', thought: true }, { text: 'Hmm.', thought: true }, { text: 'Four.' }])], usageMetadata: USAGE };
    expect(convert(r).choices[0]!.message).toEqual({ role: 'assistant', content: 'Four.', refusal: null });
    expect(convert(r, withThoughts).choices[0]!.message).toEqual({ role: 'assistant', content: 'Four.', refusal: null, reasoning_content: 'Let me think. Hmm.' });
  });

  test('n=2: two candidates → two choices, each with its own index and finish reason', () => {
    const c = convert({ candidates: [text([{ text: 'A' }], 'STOP', 0), text([{ text: 'B' }], 'MAX_TOKENS', 1)], usageMetadata: USAGE });
    expect(c.choices.map((x) => [x.index, x.message.content, x.finish_reason])).toEqual([
      [0, 'A', 'stop'],
      [1, 'B', 'length'],
    ]);
  });

  test('a candidate without content (filtered) → empty content, content_filter; an index Gemini omits is its position', () => {
    const c = convert({ candidates: [{ finishReason: 'SAFETY' }] });
    expect(c.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });

  test('no candidates and no block reason: one empty stop choice, zero usage', () => {
    const c = convert({ candidates: [] });
    expect(c.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    expect(c.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe('mapFinishReason', () => {
  test('every finishReason of providers.md 3.2', () => {
    const table: Record<string, string> = {
      STOP: 'stop',
      MAX_TOKENS: 'length',
      SAFETY: 'content_filter',
      RECITATION: 'content_filter',
      BLOCKLIST: 'content_filter',
      PROHIBITED_CONTENT: 'content_filter',
      SPII: 'content_filter',
      IMAGE_SAFETY: 'content_filter',
      LANGUAGE: 'content_filter',
      MALFORMED_FUNCTION_CALL: 'stop',
      OTHER: 'stop',
      FINISH_REASON_UNSPECIFIED: 'stop',
    };
    for (const [reason, want] of Object.entries(table)) expect([reason, mapFinishReason(reason, false)]).toEqual([reason, want]);
  });

  test('STOP with function calls is tool_calls; length and filters still win; no reason yet → null', () => {
    expect(mapFinishReason('STOP', true)).toBe('tool_calls');
    expect(mapFinishReason('MAX_TOKENS', true)).toBe('length');
    expect(mapFinishReason('SAFETY', true)).toBe('content_filter');
    expect(mapFinishReason(undefined, true)).toBeNull();
  });
});

describe('blockedPromptError', () => {
  test('a blocked prompt without candidates → 400 INVALID_REQUEST naming the reason', () => {
    const e = blockedPromptError('g', { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 } });
    expect(e).not.toBeNull();
    expect(e!.status).toBe(400);
    expect(e!.code).toBe('INVALID_REQUEST');
    expect(e!.param).toBe('messages');
    expect(e!.message).toContain('blockReason SAFETY');
    expect(blockedPromptError('g', { promptFeedback: { blockReason: 'OTHER', blockReasonMessage: 'Nope.' } })!.message).toContain('blockReason OTHER): Nope.');
  });

  test('feedback with candidates, or no block reason → null', () => {
    expect(blockedPromptError('g', { promptFeedback: { blockReason: 'SAFETY' }, candidates: [text([{ text: 'x' }])] })).toBeNull();
    expect(blockedPromptError('g', { promptFeedback: {}, candidates: [] })).toBeNull();
    expect(blockedPromptError('g', TOOL_CALL)).toBeNull();
  });
});

describe('toUsage', () => {
  test('cached tokens, tool-use prompt tokens and thoughts', () => {
    expect(toUsage({ promptTokenCount: 1000, cachedContentTokenCount: 800, toolUsePromptTokenCount: 20, candidatesTokenCount: 50, thoughtsTokenCount: 30, totalTokenCount: 1100 })).toEqual({
      prompt_tokens: 1020,
      completion_tokens: 80,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
  });

  test('no totalTokenCount → the sum; missing counts are zero; no metadata → null', () => {
    expect(toUsage({ promptTokenCount: 5 })).toEqual({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
    expect(toUsage(undefined)).toBeNull();
  });
});
