import { describe, expect, test } from 'bun:test';
import { toOpenAIRequest } from '../../../../src/protocols/anthropic-messages/to-openai.ts';
import type { MessagesRequest } from '../../../../src/protocols/anthropic-messages/types.ts';

const base = { model: 'm', max_tokens: 64 };
const req = (over: Partial<MessagesRequest>): MessagesRequest => ({ ...base, messages: [{ role: 'user', content: 'hi' }], ...over });

describe('toOpenAIRequest', () => {
  test('scalars: max_tokens, temperature, top_p, stop_sequences, metadata.user_id; Anthropic-only fields dropped', () => {
    const out = toOpenAIRequest(req({ temperature: 0.2, top_p: 0.9, top_k: 5, stop_sequences: ['###', 'END'], metadata: { user_id: 'u1' }, thinking: { type: 'enabled', budget_tokens: 1024 } }));
    expect(out).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, temperature: 0.2, top_p: 0.9, stop: ['###', 'END'], user: 'u1' });
  });

  test('stream asks for the usage chunk', () => {
    expect(toOpenAIRequest(req({ stream: true }))).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(toOpenAIRequest(req({ stream: false })).stream).toBeUndefined();
  });

  test('system string and blocks become one leading system message', () => {
    expect(toOpenAIRequest(req({ system: 'Be terse.' })).messages[0]).toEqual({ role: 'system', content: 'Be terse.' });
    const blocks = toOpenAIRequest(req({ system: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B', cache_control: { type: 'ephemeral' } }] }));
    expect(blocks.messages[0]).toEqual({ role: 'system', content: 'A\n\nB' });
    expect(toOpenAIRequest(req({ system: [] })).messages[0]!.role).toBe('user');
  });

  test('text-only blocks become a string; images become image_url parts (base64 → data URL, url → url)', () => {
    const out = toOpenAIRequest(req({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    }));
    expect(out.messages).toEqual([
      { role: 'user', content: 'one\n\ntwo' },
      { role: 'assistant', content: 'ok' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  test('documents: text source → text, base64 PDF → file part', () => {
    const out = toOpenAIRequest(req({
      messages: [{
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain doc' } },
        ],
      }],
    }));
    expect(out.messages[0]!.content).toEqual([
      { type: 'file', file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      { type: 'text', text: 'plain doc' },
    ]);
  });

  test('tool loop: tool_use → assistant tool_calls (arguments a JSON string); tool_results → role tool messages in order', () => {
    const out = toOpenAIRequest(req({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'two calls', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_B', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_A', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_B', content: [{ type: 'text', text: 'no data' }], is_error: true },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    }));
    expect(out.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_B', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_A', content: '18C' },
      { role: 'tool', tool_call_id: 'toolu_B', content: 'Error: no data' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  test('a tool-only assistant turn has content null; an image in a tool result follows as a user message', () => {
    const out = toOpenAIRequest(req({
      messages: [
        { role: 'user', content: 'Screenshot?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] },
      ],
    }));
    expect(out.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'shot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'done' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
    ]);
  });

  test('tools: input_schema → parameters; tool_choice auto/any/none/tool; disable_parallel_tool_use', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: schema }, { name: 'noop', input_schema: { type: 'object' } }];
    const fn = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: schema } },
      { type: 'function', function: { name: 'noop', parameters: { type: 'object' } } },
    ];
    expect(toOpenAIRequest(req({ tools })).tools).toEqual(fn as never);
    const choice = (tool_choice: MessagesRequest['tool_choice']) => {
      const out = toOpenAIRequest(req({ tools, tool_choice }));
      return [out.tool_choice, out.parallel_tool_calls];
    };
    expect(choice({ type: 'auto' })).toEqual(['auto', undefined]);
    expect(choice({ type: 'any', disable_parallel_tool_use: true })).toEqual(['required', false]);
    expect(choice({ type: 'none' })).toEqual(['none', undefined]);
    expect(choice({ type: 'tool', name: 'noop' })).toEqual([{ type: 'function', function: { name: 'noop' } }, undefined]);
  });

  test('tool_choice without tools is left out (OpenAI rejects it)', () => {
    const out = toOpenAIRequest(req({ tool_choice: { type: 'none' }, tools: [] }));
    expect(out.tool_choice).toBeUndefined();
    expect(out.tools).toBeUndefined();
  });
});
