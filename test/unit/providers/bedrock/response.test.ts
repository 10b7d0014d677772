// Golden tests for Converse response → OpenAI chat.completion (providers.md 4.2).
import { describe, expect, test } from 'bun:test';
import { mapStopReason, toChatCompletion, toUsage } from '../../../../src/providers/bedrock/response.ts';
import type { ContentBlock, ConverseResponse, ReplyShape } from '../../../../src/providers/bedrock/wire.ts';

const plain: ReplyShape = { jsonTool: null, reasoning: false };
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const ID = 'chatcmpl-t1';

function reply(content: ContentBlock[], stopReason: string, usage: ConverseResponse['usage'] = { inputTokens: 10, outputTokens: 5, totalTokens: 15 }): ConverseResponse {
  return { output: { message: { role: 'assistant', content } }, stopReason, usage };
}
const complete = (r: ConverseResponse, shape: ReplyShape = plain) => toChatCompletion(r, MODEL, ID, shape);

describe('toChatCompletion', () => {
  test('the providers.md 4.2 fixture (amazon-bedrock-text.json) → chat.completion', () => {
    const fixture = JSON.parse(
      '{"metrics":{"latencyMs":1864},"output":{"message":{"content":[{"text":"There are 3 r\'s."}],"role":"assistant"}},"stopReason":"end_turn",' +
        '"usage":{"cacheReadInputTokens":0,"cacheWriteInputTokens":0,"inputTokens":22,"outputTokens":57,"totalTokens":79}}',
    ) as ConverseResponse;
    const c = complete(fixture);
    expect(c).toEqual({
      id: ID,
      object: 'chat.completion',
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: "There are 3 r's.", refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 22, completion_tokens: 57, total_tokens: 79, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(Math.abs(c.created - Date.now() / 1000)).toBeLessThan(5);
  });

  test('text blocks are concatenated', () => {
    expect(complete(reply([{ text: 'Hello! ' }, { text: 'How can I help?' }], 'end_turn')).choices[0]!.message.content).toBe('Hello! How can I help?');
  });

  test('toolUse → tool_calls (id, name, JSON string arguments); text before them kept; finish tool_calls', () => {
    const c = complete(
      reply(
        [
          { text: "I'll check." },
          { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'bash', input: { command: 'ls -l' } } },
          { toolUse: { toolUseId: 'tooluse_2', name: 'now', input: {} } },
        ],
        'tool_use',
      ),
    );
    expect(c.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check.",
        refusal: null,
        tool_calls: [
          { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'bash', arguments: '{"command":"ls -l"}' } },
          { id: 'tooluse_2', type: 'function', function: { name: 'now', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  test('only tool calls: content null; a missing input is {}', () => {
    const c = complete(reply([{ toolUse: { toolUseId: 't', name: 'f', input: undefined } }], 'tool_use'));
    expect(c.choices[0]!.message.content).toBeNull();
    expect(c.choices[0]!.message.tool_calls![0]!.function.arguments).toBe('{}');
  });

  test('the forced json tool is the answer: its input is the content, finish stop, no tool_calls', () => {
    const c = complete(reply([{ toolUse: { toolUseId: 't', name: 'json', input: { answer: 'Paris' } } }], 'tool_use'), { jsonTool: 'json', reasoning: false });
    expect(c.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: '{"answer":"Paris"}', refusal: null }, logprobs: null, finish_reason: 'stop' });
  });

  test('json tool alongside a client tool call: the call stays a tool call, finish tool_calls', () => {
    const c = complete(
      reply([{ toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Rome' } } }, { toolUse: { toolUseId: 't2', name: 'json_response', input: {} } }], 'tool_use'),
      { jsonTool: 'json_response', reasoning: false },
    );
    expect(c.choices[0]!.finish_reason).toBe('tool_calls');
    expect(c.choices[0]!.message.tool_calls).toEqual([{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }]);
  });

  test('reasoning content surfaces as reasoning_content only when the client asked for reasoning', () => {
    const r = reply([{ reasoningContent: { reasoningText: { text: 'Count the r letters.', signature: 'sig' } } }, { text: '3' }], 'end_turn');
    expect(complete(r, { jsonTool: null, reasoning: true }).choices[0]!.message).toEqual({ role: 'assistant', content: '3', refusal: null, reasoning_content: 'Count the r letters.' });
    expect(complete(r).choices[0]!.message).toEqual({ role: 'assistant', content: '3', refusal: null });
    expect(complete(reply([{ reasoningContent: { redactedContent: 'b64' } }, { text: '3' }], 'end_turn'), { jsonTool: null, reasoning: true }).choices[0]!.message).not.toHaveProperty(
      'reasoning_content',
    );
  });

  test('an empty reply: content "" and zero usage when Bedrock sent none', () => {
    const c = complete({ output: { message: { role: 'assistant', content: [] } }, stopReason: 'end_turn' });
    expect(c.choices[0]!.message.content).toBe('');
    expect(c.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  test('guardrail intervention → content_filter', () => {
    expect(complete(reply([{ text: 'Sorry, the model cannot answer this question.' }], 'guardrail_intervened')).choices[0]!.finish_reason).toBe('content_filter');
  });
});

describe('mapStopReason', () => {
  test.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['malformed_model_output', 'stop'],
    ['malformed_tool_use', 'stop'],
    [undefined, 'stop'],
    ['some_future_reason', 'stop'],
  ])('%s → %s', (reason, finish) => {
    expect(mapStopReason(reason)).toBe(finish as never);
  });
});

describe('toUsage', () => {
  test('prompt_tokens count cache reads and writes; cached_tokens = cache reads', () => {
    expect(toUsage({ inputTokens: 22, outputTokens: 57, totalTokens: 1079, cacheReadInputTokens: 800, cacheWriteInputTokens: 200 })).toEqual({
      prompt_tokens: 1022,
      completion_tokens: 57,
      total_tokens: 1079,
      prompt_tokens_details: { cached_tokens: 800 },
    });
  });

  test('missing counters are 0; no usage at all is null', () => {
    expect(toUsage({ outputTokens: 3 })).toEqual({ prompt_tokens: 0, completion_tokens: 3, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } });
    expect(toUsage(undefined)).toBeNull();
  });
});
