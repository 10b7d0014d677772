// Golden tests for OpenAI ChatRequest → Anthropic Messages body (providers.md 2.2 and the pitfalls of 2.6).
import { describe, expect, test } from 'bun:test';
import type { ChatRequest } from '../../../../src/protocols/openai/types.ts';
import { DvaraError } from '../../../../src/server/errors.ts';
import { outputCap, toAnthropicRequest } from '../../../../src/providers/anthropic/request.ts';
import { validateMessagesBody } from '../../../fakes/anthropic-validate.ts';

const D = { provider: 'claude', defaultMaxTokens: 4096 };
const MODEL = 'claude-sonnet-4-20250514';
const map = (req: Partial<ChatRequest>, model = MODEL) => toAnthropicRequest({ model: 'x', messages: [], ...req } as ChatRequest, model, D);
const body = (req: Partial<ChatRequest>, model?: string) => map(req, model).body;

function refused(req: Partial<ChatRequest>): DvaraError {
  try {
    map(req);
  } catch (err) {
    if (err instanceof DvaraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const hi = [{ role: 'user' as const, content: 'Hi' }];

describe('messages', () => {
  test('system and developer messages, wherever they are, become top-level system blocks in order', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
        { role: 'assistant', content: 'Bonjour' },
      ],
    });
    expect(b.system).toEqual([{ type: 'text', text: 'Be terse.' }, { type: 'text', text: 'Use French.' }]);
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Bonjour' }] },
    ]);
  });

  test('no system message: no system field', () => {
    expect('system' in body({ messages: hi })).toBe(false);
  });

  test('consecutive same-role messages merge into one turn', () => {
    const b = body({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'b' }] }, { role: 'assistant', content: 'c' }, { role: 'assistant', content: 'd' }] });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] },
    ]);
  });

  test('tool loop: tool_calls → tool_use (arguments parsed, "" → {}), several tool results → ONE user turn right after', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_01B', content: [{ type: 'text', text: '12:00' }] },
      ],
    });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: '12:00' }] },
        ],
      },
    ]);
    expect(validateMessagesBody(b as never)).toBeNull();
  });

  test('tool results followed by a user message share the turn, results first', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'user', content: 'also this' },
        { role: 'tool', tool_call_id: 't1', content: 'done' },
      ],
    });
    expect(b.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'done' }, { type: 'text', text: 'also this' }] });
  });

  test('empty assistant content is skipped; an empty assistant turn disappears; empty tool output sends no content', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: [{ type: 'text', text: '' }], tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: ' ' } }] },
        { role: 'tool', tool_call_id: 't', content: '' },
      ],
    });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] },
    ]);
    expect(validateMessagesBody(b as never)).toBeNull();
  });

  test('images: base64 data URL → base64 source; https URL → url source; cache_control passes through', () => {
    const b = body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' }, cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    expect(b.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
    ]);
  });

  test('cache_control on system parts passes through', () => {
    const b = body({ messages: [{ role: 'system', content: [{ type: 'text', text: 'Long context', cache_control: { type: 'ephemeral' } }] }, ...hi] });
    expect(b.system).toEqual([{ type: 'text', text: 'Long context', cache_control: { type: 'ephemeral' } }]);
  });

  test('inline PDFs become document blocks', () => {
    const b = body({ messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] }] });
    expect(b.messages[0]!.content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }]);
  });

  test('content Anthropic cannot take is refused with a 400 naming the part', () => {
    const e = refused({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] });
    expect(e.status).toBe(400);
    expect(e.param).toBe('messages[0].content[0].type');
    expect(refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,raw' } }] }] }).param).toBe('messages[0].content[0]');
    expect(refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }).param).toBe('messages[0].content[0]');
  });

  test('tool arguments that are not a JSON object are refused, naming them', () => {
    const e = refused({ messages: [...hi, { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] });
    expect(e.param).toBe('messages[1].tool_calls[0].function.arguments');
  });
});

describe('parameters', () => {
  test('max_tokens: max_completion_tokens, then max_tokens, else the default, capped for models with a lower limit', () => {
    expect(body({ messages: hi, max_completion_tokens: 100, max_tokens: 50 }).max_tokens).toBe(100);
    expect(body({ messages: hi, max_tokens: 50 }).max_tokens).toBe(50);
    expect(body({ messages: hi }).max_tokens).toBe(4096);
    const big = (model: string) => toAnthropicRequest({ model, messages: hi } as ChatRequest, model, { provider: 'c', defaultMaxTokens: 16000 }).body.max_tokens;
    expect(big('claude-3-haiku-20240307')).toBe(4096);
    expect(big('claude-3-5-haiku-20241022')).toBe(8192);
    expect(big('claude-opus-4-1-20250805')).toBe(16000);
    expect(big('claude-sonnet-4-20250514')).toBe(16000);
    expect(outputCap('claude-opus-4-20250514')).toBe(32000);
    expect(outputCap('claude-opus-4-5-20251101')).toBeUndefined();
  });

  test('stop → stop_sequences; user → metadata.user_id; top_k passes; stream set only when streaming', () => {
    const b = body({ messages: hi, stop: 'END', user: 'u-42', top_k: 5, stream: true, stream_options: { include_usage: true } });
    expect(b).toMatchObject({ stop_sequences: ['END'], metadata: { user_id: 'u-42' }, top_k: 5, stream: true });
    expect(body({ messages: hi, stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect('stream' in body({ messages: hi, stream: false })).toBe(false);
  });

  test('temperature above Anthropic\'s 1 is capped; top_p 1 (a no-op newer models reject with temperature) is left out', () => {
    expect(body({ messages: hi, temperature: 1.7 }).temperature).toBe(1);
    expect(body({ messages: hi, temperature: 0.3 }).temperature).toBe(0.3);
    expect('top_p' in body({ messages: hi, temperature: 0.3, top_p: 1 })).toBe(false);
    expect(body({ messages: hi, top_p: 0.9 }).top_p).toBe(0.9);
  });

  test('only Anthropic fields go upstream (unknown OpenAI fields would be rejected)', () => {
    const b = body({ messages: hi, seed: 1, presence_penalty: 0, frequency_penalty: 0, stream_options: { include_usage: true }, n: 1, logprobs: false, logit_bias: {}, metadata: { a: 'b' }, store: false });
    expect(Object.keys(b).sort()).toEqual(['max_tokens', 'messages', 'model']);
    expect(validateMessagesBody(b as never)).toBeNull();
  });

  test('n > 1, logprobs, top_logprobs, logit_bias and legacy functions are refused with a 400 naming the parameter', () => {
    for (const [req, param] of [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ top_logprobs: 3 }, 'top_logprobs'],
      [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
      [{ functions: [{ name: 'f' }] }, 'functions'],
    ] as const) {
      const e = refused({ messages: hi, ...req });
      expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST', param });
      expect(e.message).toContain(param);
      expect(e.message).toContain('claude');
    }
  });
});

describe('tools', () => {
  const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
  const noParams = { type: 'function' as const, function: { name: 'now' } };

  test('tools → name, description, input_schema (an empty object schema when parameters are absent)', () => {
    expect(body({ messages: hi, tools: [weather, noParams] }).tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weather.function.parameters },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  test('tool_choice auto / required / none / named, and parallel_tool_calls:false', () => {
    const choice = (req: Partial<ChatRequest>) => body({ messages: hi, tools: [weather], ...req }).tool_choice;
    expect(choice({})).toBeUndefined();
    expect(choice({ tool_choice: 'auto' })).toEqual({ type: 'auto' });
    expect(choice({ tool_choice: 'required' })).toEqual({ type: 'any' });
    expect(choice({ tool_choice: 'none' })).toEqual({ type: 'none' });
    expect(choice({ tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toEqual({ type: 'tool', name: 'get_weather' });
    expect(choice({ parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice({ tool_choice: 'required', parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice({ tool_choice: 'none', parallel_tool_calls: false })).toEqual({ type: 'none' });
  });

  test('tool_choice without tools is not sent', () => {
    expect('tool_choice' in body({ messages: hi, tool_choice: 'auto' })).toBe(false);
  });
});

describe('response_format', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };

  test('json_schema → a forced "json" tool whose input_schema is the schema', () => {
    const { body: b, shape } = map({ messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } } });
    expect(shape.jsonTool).toBe('json');
    expect(b.tools).toEqual([{ name: 'json', description: expect.any(String), input_schema: schema }]);
    expect(b.tool_choice).toEqual({ type: 'tool', name: 'json' });
  });

  test('json_object → the same tool with an open object schema', () => {
    const { body: b } = map({ messages: hi, response_format: { type: 'json_object' } });
    expect(b.tools?.[0]?.input_schema).toEqual({ type: 'object' });
    expect(b.tool_choice).toEqual({ type: 'tool', name: 'json' });
  });

  test('with client tools the model must call one of them or answer through the json tool; names never clash', () => {
    const tools = [{ type: 'function' as const, function: { name: 'json', parameters: { type: 'object' } } }];
    const { body: b, shape } = map({ messages: hi, tools, response_format: { type: 'json_object' } });
    expect(shape.jsonTool).toBe('json_response');
    expect(b.tools?.map((t) => t.name)).toEqual(['json', 'json_response']);
    expect(b.tool_choice).toEqual({ type: 'any' });
  });

  test('text: nothing changes', () => {
    const { body: b, shape } = map({ messages: hi, response_format: { type: 'text' } });
    expect(shape.jsonTool).toBeNull();
    expect(b.tools).toBeUndefined();
  });
});

describe('reasoning', () => {
  test('reasoning_effort → extended thinking with room on top of the default max_tokens', () => {
    const { body: b, shape } = map({ messages: hi, reasoning_effort: 'high' });
    expect(b.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(b.max_tokens).toBe(8192);
    expect(shape.reasoning).toBe(true);
  });

  test('an explicit max_tokens bounds the budget; 1024 or less cannot think', () => {
    expect(body({ messages: hi, reasoning_effort: 'high', max_tokens: 3000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 2999 });
    expect(refused({ messages: hi, reasoning_effort: 'low', max_tokens: 1000 }).param).toBe('max_tokens');
  });

  test('Anthropic\'s own thinking object passes through; no reasoning asked → no thinking', () => {
    const { body: b, shape } = map({ messages: hi, thinking: { type: 'enabled', budget_tokens: 2000 } });
    expect(b.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    expect(shape.reasoning).toBe(true);
    expect(map({ messages: hi }).shape.reasoning).toBe(false);
  });

  test('JSON output through a forced tool cannot be combined with thinking: refused, naming response_format', () => {
    expect(refused({ messages: hi, reasoning_effort: 'low', response_format: { type: 'json_object' } }).param).toBe('response_format');
  });
});
