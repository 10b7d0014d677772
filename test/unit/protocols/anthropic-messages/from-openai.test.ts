import { describe, expect, test } from 'bun:test';
import { mapStopReason, parseToolInput, toAnthropicMessage } from '../../../../src/protocols/anthropic-messages/from-openai.ts';
import type { ChatCompletion } from '../../../../src/protocols/openai/types.ts';

type Message = ChatCompletion['choices'][number]['message'];

function completion(message: Partial<Message>, finish: string, extra: Record<string, unknown> = {}): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1770933883,
    model: 'gpt-4.1-nano-2025-04-14',
    choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...message }, logprobs: null, finish_reason: finish, ...extra }],
    usage: { prompt_tokens: 16, completion_tokens: 9, total_tokens: 25, prompt_tokens_details: { cached_tokens: 4 } },
  };
}

describe('toAnthropicMessage', () => {
  test('text answer (OpenAI fixture shape) → Anthropic message', () => {
    const msg = toAnthropicMessage(completion({ content: 'Hi!' }, 'stop'), { model: 'openai/x', id: 'msg_1' });
    expect(msg).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-nano-2025-04-14',
      content: [{ type: 'text', text: 'Hi!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      // Anthropic's input_tokens exclude cache reads, OpenAI's prompt_tokens include them.
      usage: { input_tokens: 12, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
  });

  test('a fresh msg_ id when none is given; the requested model when the upstream names none', () => {
    const c = completion({ content: 'x' }, 'stop');
    c.model = '';
    const msg = toAnthropicMessage(c, { model: 'fallback' });
    expect(msg.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(msg.model).toBe('fallback');
  });

  test('tool calls → tool_use blocks with parsed input, after the text', () => {
    const msg = toAnthropicMessage(
      completion({
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'now', arguments: '' } },
        ],
      }, 'tool_calls'),
      { model: 'm' },
    );
    expect(msg.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
  });

  test('finish reasons', () => {
    expect(mapStopReason('stop', null)).toBe('end_turn');
    expect(mapStopReason('length', null)).toBe('max_tokens');
    expect(mapStopReason('tool_calls', null)).toBe('tool_use');
    expect(mapStopReason('function_call', null)).toBe('tool_use');
    expect(mapStopReason('content_filter', null)).toBe('refusal');
    expect(mapStopReason(null, null)).toBe('end_turn');
    expect(mapStopReason('stop', '###')).toBe('stop_sequence');
  });

  test('stop_sequence when the upstream says which one matched (vLLM stop_reason, SGLang matched_stop)', () => {
    const vllm = toAnthropicMessage(completion({ content: 'a' }, 'stop', { stop_reason: '###' }), { model: 'm', stopSequences: ['###'] });
    expect([vllm.stop_reason, vllm.stop_sequence]).toEqual(['stop_sequence', '###']);
    const sglang = toAnthropicMessage(completion({ content: 'a' }, 'stop', { matched_stop: 'END' }), { model: 'm', stopSequences: ['###', 'END'] });
    expect([sglang.stop_reason, sglang.stop_sequence]).toEqual(['stop_sequence', 'END']);
    // vLLM reports an EOS token id there, which is no stop sequence of the client's.
    const eos = toAnthropicMessage(completion({ content: 'a' }, 'stop', { stop_reason: 151645 }), { model: 'm', stopSequences: ['###'] });
    expect([eos.stop_reason, eos.stop_sequence]).toEqual(['end_turn', null]);
    const unasked = toAnthropicMessage(completion({ content: 'a' }, 'stop', { stop_reason: '###' }), { model: 'm' });
    expect(unasked.stop_reason).toBe('end_turn');
  });

  test('a refusal is shown as text with stop_reason refusal', () => {
    const msg = toAnthropicMessage(completion({ content: null, refusal: 'I cannot help with that.' }, 'stop'), { model: 'm' });
    expect(msg.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(msg.stop_reason).toBe('refusal');
  });

  test('no usage → zeros; empty content → no blocks', () => {
    const c = completion({ content: '' }, 'stop');
    delete c.usage;
    const msg = toAnthropicMessage(c, { model: 'm' });
    expect(msg.content).toEqual([]);
    expect(msg.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  test('parseToolInput: objects parse; empty, malformed or non-object arguments give {}', () => {
    expect(parseToolInput('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(parseToolInput('')).toEqual({});
    expect(parseToolInput('  ')).toEqual({});
    expect(parseToolInput('{"a":')).toEqual({});
    expect(parseToolInput('[1]')).toEqual({});
    expect(parseToolInput(undefined)).toEqual({});
  });
});
