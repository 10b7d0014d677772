// Golden tests for OpenAI ChatRequest → Gemini generateContent body (providers.md 3.1, pitfalls 3.6).
import { describe, expect, test } from 'bun:test';
import type { ChatRequest } from '../../../../src/protocols/openai/types.ts';
import type { InlineMedia } from '../../../../src/providers/media.ts';
import { toGeminiRequest, type RequestDefaults } from '../../../../src/providers/gemini/request.ts';
import { SKIP_SIGNATURE, toolCallId } from '../../../../src/providers/gemini/tool-ids.ts';
import { DvaraError } from '../../../../src/server/errors.ts';

const D: RequestDefaults = { provider: 'g' };
const MODEL = 'gemini-2.5-flash';
const hi = [{ role: 'user' as const, content: 'Hi' }];
const plan = (req: Partial<ChatRequest>, model = MODEL, d: RequestDefaults = D, media: Map<string, InlineMedia> = new Map()) =>
  toGeminiRequest({ model: 'x', messages: hi, ...req } as ChatRequest, model, d, media);
const body = (req: Partial<ChatRequest>, model?: string) => plan(req, model).body;
const config = (req: Partial<ChatRequest>, model?: string) => body(req, model).generationConfig;

function refused(req: Partial<ChatRequest>, model?: string): DvaraError {
  try {
    plan(req, model);
  } catch (err) {
    if (err instanceof DvaraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const call = (id: string, name: string, args: string) => ({ id, type: 'function' as const, function: { name, arguments: args } });

describe('messages', () => {
  test('the providers.md 3.1 example: system → systemInstruction, tool loop → functionCall / functionResponse', () => {
    const b = plan({
      messages: [
        { role: 'system', content: 'Be terse.' },
        user('Weather in Paris?'),
        { role: 'assistant', content: null, tool_calls: [call('call_1', 'get_weather', '{"city":"Paris"}')] },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      ],
    }).body;
    expect(b).toEqual({
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { name: 'get_weather', content: '18C' } } }] },
      ],
    });
  });

  test('system and developer messages, wherever they are, become systemInstruction parts in order (text parts joined)', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be terse.' },
        user('Hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Use ' }, { type: 'text', text: 'French.' }] },
        { role: 'assistant', content: 'Bonjour' },
      ],
    });
    expect(b.systemInstruction).toEqual({ parts: [{ text: 'Be terse.' }, { text: 'Use French.' }] });
    expect(b.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
    ]);
  });

  test('no system message: no systemInstruction field', () => {
    expect('systemInstruction' in body({})).toBe(false);
  });

  test('consecutive same-role messages merge; empty text and empty turns are dropped', () => {
    const b = body({
      messages: [
        user('a'),
        { role: 'assistant', content: '' },
        user([{ type: 'text', text: '' }, { type: 'text', text: 'b' }]),
        { role: 'assistant', content: 'c' },
        { role: 'assistant', content: [{ type: 'text', text: 'd' }, { type: 'refusal', refusal: 'no' }] },
      ],
    });
    expect(b.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
    ]);
  });

  test('a request with only system messages is refused', () => {
    const e = refused({ messages: [{ role: 'system', content: 'Be terse.' }, user('')] });
    expect(e.status).toBe(400);
    expect(e.param).toBe('messages');
  });

  test('legacy function-role messages and unknown part types are refused, naming them', () => {
    expect(refused({ messages: [user('x'), { role: 'function', name: 'f', content: '1' }] }).param).toBe('messages[1].role');
    expect(refused({ messages: [user([{ type: 'video', video: {} }])] }).param).toBe('messages[0].content[0].type');
  });
});

describe('media', () => {
  const parts = (content: ChatRequest['messages'][number]['content'], media?: Map<string, InlineMedia>) => plan({ messages: [user(content)] }, MODEL, D, media).body.contents[0]!.parts;
  const img = (url: string) => ({ type: 'image_url', image_url: { url } });

  test('image data URL → inlineData', () => {
    expect(parts([img('data:image/png;base64,iVBORw0K')])).toEqual([{ inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } }]);
  });

  test('gs:// and Files-API URIs → fileData, mimeType from the extension when known', () => {
    expect(parts([img('gs://bucket/dir/cat.JPG'), img('gs://bucket/notes.pdf'), img('https://generativelanguage.googleapis.com/v1beta/files/abc123')])).toEqual([
      { fileData: { mimeType: 'image/jpeg', fileUri: 'gs://bucket/dir/cat.JPG' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://bucket/notes.pdf' } },
      { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
    ]);
  });

  test('a remote https image already fetched (the media map) → inlineData', () => {
    const media = new Map([['https://example.com/cat.webp', { mimeType: 'image/webp', data: 'UklGR' }]]);
    expect(parts([{ type: 'text', text: 'What is this?' }, img('https://example.com/cat.webp')], media)).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/webp', data: 'UklGR' } },
    ]);
  });

  test('unsupported image URLs are refused with a 400 naming the part', () => {
    for (const url of ['ftp://example.com/a.png', 'data:image/png,notbase64']) {
      const e = refused({ messages: [user('look'), user([{ type: 'text', text: 'x' }, img(url)])] });
      expect(e.status).toBe(400);
      expect(e.param).toBe('messages[1].content[1].image_url.url');
    }
  });

  test('file parts with a data URL → inlineData; other files refused', () => {
    expect(parts([{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0' } }])).toEqual([
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0' } },
    ]);
    expect(refused({ messages: [user([{ type: 'file', file: { file_id: 'file-abc' } }])] }).param).toBe('messages[0].content[0]');
  });

  test('input_audio → inlineData audio/wav or audio/mp3', () => {
    expect(parts([{ type: 'input_audio', input_audio: { data: 'UklGRg', format: 'wav' } }, { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } }])).toEqual([
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg' } },
      { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } },
    ]);
  });
});

describe('tool calls and results', () => {
  const loop = (calls: ReturnType<typeof call>[], model = MODEL) =>
    body({ messages: [user('go'), { role: 'assistant', content: 'Checking.', tool_calls: calls }, ...calls.map((c, i) => ({ role: 'tool' as const, tool_call_id: c.id, content: `r${i}` }))] }, model).contents;

  test('text and calls share the model turn; parallel results merge into ONE user turn, names found via tool_call_id', () => {
    expect(loop([call('call_a', 'get_weather', '{"city":"Paris"}'), call('call_b', 'now', '')])).toEqual([
      { role: 'user', parts: [{ text: 'go' }] },
      { role: 'model', parts: [{ text: 'Checking.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'now', args: {} } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { name: 'get_weather', content: 'r0' } } },
          { functionResponse: { name: 'now', response: { name: 'now', content: 'r1' } } },
        ],
      },
    ]);
  });

  test('invalid JSON arguments → 400 naming messages[i].tool_calls[j].function.arguments', () => {
    const e = refused({ messages: [user('go'), { role: 'assistant', content: null, tool_calls: [call('a', 'f', '{}'), call('b', 'f', '{oops')] }] });
    expect(e.status).toBe(400);
    expect(e.param).toBe('messages[1].tool_calls[1].function.arguments');
  });

  test('a tool message answering no earlier call is refused', () => {
    const e = refused({ messages: [user('go'), { role: 'tool', tool_call_id: 'call_missing', content: 'x' }] });
    expect(e.status).toBe(400);
    expect(e.param).toBe('messages[1].tool_call_id');
  });

  test('a signature carried in the id goes back as thoughtSignature on that functionCall part', () => {
    const id = toolCallId('call_x', 'SIG');
    const model = loop([call(id, 'f', '{"a":1}')], 'gemini-3-pro-preview')[1]!;
    expect(model.parts[1]).toEqual({ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'SIG' });
    // on 2.5 too: the signature is Gemini's own
    expect(loop([call(id, 'f', '{}')])[1]!.parts[1]).toEqual({ functionCall: { name: 'f', args: {} }, thoughtSignature: 'SIG' });
  });

  test('unsigned calls: the skip sentinel on gemini-3, nothing on gemini-2.5', () => {
    expect(loop([call('call_1', 'f', '{}')], 'gemini-3-flash-preview')[1]!.parts[1]).toEqual({ functionCall: { name: 'f', args: {} }, thoughtSignature: SKIP_SIGNATURE });
    expect(SKIP_SIGNATURE).toBe('skip_thought_signature_validator');
    expect(loop([call('call_1', 'f', '{}')], 'gemini-2.5-pro')[1]!.parts[1]).toEqual({ functionCall: { name: 'f', args: {} } });
  });
});

describe('generationConfig', () => {
  test('sampling fields map one to one; zero penalties and n=1 are omitted', () => {
    expect(config({ max_tokens: 1024, temperature: 0.2, top_p: 0.9, top_k: 40, seed: 7, presence_penalty: 0, frequency_penalty: 0, n: 1 })).toEqual({
      maxOutputTokens: 1024, temperature: 0.2, topP: 0.9, topK: 40, seed: 7,
    });
    expect(config({ max_completion_tokens: 50, max_tokens: 10, presence_penalty: 0.5, frequency_penalty: -0.5, n: 2 })).toEqual({
      maxOutputTokens: 50, presencePenalty: 0.5, frequencyPenalty: -0.5, candidateCount: 2,
    });
  });

  test('no sampling fields: no generationConfig at all', () => {
    expect('generationConfig' in body({ temperature: null, stop: null })).toBe(false);
  });

  test('stop: a string or up to five strings → stopSequences; six refused', () => {
    expect(config({ stop: 'END' })).toEqual({ stopSequences: ['END'] });
    expect(config({ stop: ['a', 'b', 'c', 'd', 'e'] })).toEqual({ stopSequences: ['a', 'b', 'c', 'd', 'e'] });
    expect(refused({ stop: ['a', 'b', 'c', 'd', 'e', 'f'] }).param).toBe('stop');
  });

  test('response_format: json_object → responseMimeType only; json_schema → responseSchema converted; text → nothing', () => {
    expect(config({ response_format: { type: 'json_object' } })).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    expect(config({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } })).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
    });
    expect(config({ response_format: { type: 'text' } })).toBeUndefined();
  });

  test('reasoning_effort on gemini-2.5 → thinkingBudget with thoughts (none → budget 0, no thoughts)', () => {
    expect(plan({ reasoning_effort: 'low' })).toEqual({ body: expect.anything(), shape: { reasoning: true } });
    expect(config({ reasoning_effort: 'low' })).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(config({ reasoning_effort: 'high' })).toEqual({ thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
    expect(plan({ reasoning_effort: 'none' })).toEqual({ body: { contents: expect.anything(), generationConfig: { thinkingConfig: { thinkingBudget: 0 } } }, shape: { reasoning: false } });
  });

  test('reasoning_effort on gemini-3 → thinkingLevel; unknown efforts refused; none given → no thinkingConfig, no reasoning', () => {
    expect(config({ reasoning_effort: 'medium' }, 'gemini-3-pro-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } });
    expect(config({ reasoning_effort: 'low' }, 'gemini-3-pro-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'low', includeThoughts: true } });
    expect(refused({ reasoning_effort: 'extreme' }).param).toBe('reasoning_effort');
    expect(plan({}).shape).toEqual({ reasoning: false });
  });
});

describe('tools', () => {
  const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' } } };
  const now = { type: 'function' as const, function: { name: 'now', parameters: { type: 'object', properties: {} } } };

  test('tools → one functionDeclarations list; parameters converted; omitted for an empty object schema; auto → no toolConfig', () => {
    const b = body({ tools: [weather, now, { type: 'function', function: { name: 'ping' } }], tool_choice: 'auto' });
    expect(b.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          { name: 'now' },
          { name: 'ping' },
        ],
      },
    ]);
    expect('toolConfig' in b).toBe(false);
  });

  test('tool_choice none / required / a named function → NONE / ANY / ANY + allowedFunctionNames', () => {
    expect(body({ tools: [weather], tool_choice: 'none' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(body({ tools: [weather], tool_choice: 'required' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(body({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
  });
});

describe('refusals and extras', () => {
  test('logprobs, top_logprobs, logit_bias and legacy functions are refused, naming the field', () => {
    expect(refused({ logprobs: true }).param).toBe('logprobs');
    expect(refused({ top_logprobs: 2 }).param).toBe('top_logprobs');
    expect(refused({ logit_bias: { '50256': -100 } }).param).toBe('logit_bias');
    expect(refused({ functions: [{ name: 'f' }] }).param).toBe('functions');
    expect(refused({ function_call: 'auto' }).param).toBe('functions');
    expect(body({ logprobs: false, logit_bias: {} }).contents).toHaveLength(1);
  });

  test('safety settings: the request extra wins over the config defaults; the defaults apply otherwise', () => {
    const defaults = { provider: 'g', safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] };
    const mine = [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }];
    expect(plan({ safety_settings: mine }, MODEL, defaults).body.safetySettings).toEqual(mine);
    expect(plan({}, MODEL, defaults).body.safetySettings).toEqual(defaults.safetySettings);
    expect('safetySettings' in body({})).toBe(false);
  });

  test('cached_content → cachedContent; unknown OpenAI fields never reach Gemini', () => {
    const b = body({ cached_content: 'cachedContents/abc', user: 'u1', parallel_tool_calls: false, stream_options: { include_usage: true } });
    expect(b).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], cachedContent: 'cachedContents/abc' });
  });
});
