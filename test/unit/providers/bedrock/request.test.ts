// Golden tests for OpenAI ChatRequest → Bedrock Converse body (providers.md 4.1 and the pitfalls of 4.8).
import { describe, expect, test } from 'bun:test';
import type { ChatRequest } from '../../../../src/protocols/openai/types.ts';
import { DvaraError } from '../../../../src/server/errors.ts';
import type { InlineMedia } from '../../../../src/providers/media.ts';
import { toConverseRequest } from '../../../../src/providers/bedrock/request.ts';
import { validateConverseBody } from '../../../fakes/bedrock-validate.ts';

const CLAUDE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const noMedia = new Map<string, InlineMedia>();
const map = (req: Partial<ChatRequest>, model = NOVA, media: ReadonlyMap<string, InlineMedia> = noMedia) =>
  toConverseRequest({ model: 'x', messages: hi, ...req } as ChatRequest, model, 'aws', media);
const body = (req: Partial<ChatRequest>, model?: string) => map(req, model).body;

function refused(req: Partial<ChatRequest>, model?: string): DvaraError {
  try {
    map(req, model);
  } catch (err) {
    if (err instanceof DvaraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const hi = [{ role: 'user' as const, content: 'Hi' }];
const PNG = 'iVBORw0KGgo=';
const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const call = (id: string, name: string, args: string) => ({ id, type: 'function' as const, function: { name, arguments: args } });
/** A finished tool round: user asks, assistant calls get_weather, tool answers. */
const toolHistory = [
  { role: 'user' as const, content: 'Weather in Paris?' },
  { role: 'assistant' as const, content: null, tool_calls: [call('tooluse_1', 'get_weather', '{"city":"Paris"}')] },
  { role: 'tool' as const, tool_call_id: 'tooluse_1', content: '18C' },
];

describe('messages', () => {
  test('system and developer messages become system text blocks in order; text parts joined', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Use ' }, { type: 'text', text: 'French.' }] },
        { role: 'system', content: '   ' },
        { role: 'assistant', content: 'Bonjour' },
      ],
    });
    expect(b).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }, { role: 'assistant', content: [{ text: 'Bonjour' }] }],
      system: [{ text: 'Be terse.' }, { text: 'Use French.' }],
    });
    expect('system' in body({})).toBe(false);
  });

  test('the providers.md 4.1 tool round trip, byte for byte', () => {
    const b = body({ messages: toolHistory, max_tokens: 1024, temperature: 0.2, tools: [weather], tool_choice: 'auto' });
    expect(JSON.stringify(b)).toBe(
      '{"messages":[' +
        '{"role":"user","content":[{"text":"Weather in Paris?"}]},' +
        '{"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]},' +
        '{"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"text":"18C"}],"status":"success"}}]}],' +
        '"inferenceConfig":{"maxTokens":1024,"temperature":0.2},' +
        '"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],"toolChoice":{"auto":{}}}}',
    );
    expect(validateConverseBody(b)).toBeNull();
  });

  test('parallel tool results share ONE user turn, before a user message in the same turn; "" arguments → {}', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'Paris and Rome?' },
        { role: 'assistant', content: 'Checking.', tool_calls: [call('t1', 'get_weather', '{"city":"Paris"}'), call('t2', 'now', '')] },
        { role: 'user', content: 'hurry' },
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: '18C' }] },
        { role: 'tool', tool_call_id: 't2', content: '' },
      ],
      tools: [weather, { type: 'function', function: { name: 'now' } }],
    });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ text: 'Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } }, { toolUse: { toolUseId: 't2', name: 'now', input: {} } }],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: '18C' }], status: 'success' } },
          { toolResult: { toolUseId: 't2', content: [{ text: '(no output)' }], status: 'success' } },
          { text: 'hurry' },
        ],
      },
    ]);
    expect(validateConverseBody(b)).toBeNull();
  });

  test('invalid JSON tool arguments: 400 naming messages[i].tool_calls[j].function.arguments', () => {
    const e = refused({ messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: null, tool_calls: [call('a', 'f', '{}'), call('b', 'f', '{oops')] }] });
    expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST', param: 'messages[1].tool_calls[1].function.arguments' });
  });

  test('consecutive same-role turns merge; blank text is dropped; an empty turn disappears', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'text', text: ' ' }, { type: 'text', text: 'b' }] },
        { role: 'assistant', content: 'c' },
        { role: 'user', content: '' },
        { role: 'assistant', content: [{ type: 'text', text: 'd' }, { type: 'refusal', refusal: 'no' }] },
      ],
    });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      { role: 'assistant', content: [{ text: 'c' }, { text: 'd' }] },
    ]);
  });

  test('a conversation opening with an assistant turn gets a user turn prepended', () => {
    const b = body({ messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Hi' }] });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ text: '(continue)' }] },
      { role: 'assistant', content: [{ text: 'Hello!' }] },
      { role: 'user', content: [{ text: 'Hi' }] },
    ]);
    expect(validateConverseBody(b)).toBeNull();
  });

  test('system text alone, or a legacy function message, is refused', () => {
    expect(refused({ messages: [{ role: 'system', content: 'x' }] })).toMatchObject({ status: 400, param: 'messages' });
    expect(refused({ messages: [{ role: 'function', name: 'f', content: 'x' } as never] })).toMatchObject({ param: 'messages[0].role' });
  });
});

describe('media', () => {
  const image = (url: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text: 'What is it?' }, { type: 'image_url' as const, image_url: { url } }] });

  test('data URL image → image {format, source.bytes}; jpg → jpeg', () => {
    expect(body({ messages: [image(`data:image/png;base64,${PNG}`)] }).messages[0]!.content).toEqual([{ text: 'What is it?' }, { image: { format: 'png', source: { bytes: PNG } } }]);
    expect(body({ messages: [image('data:image/jpg;base64,AAAA')] }).messages[0]!.content[1]).toEqual({ image: { format: 'jpeg', source: { bytes: 'AAAA' } } });
  });

  test('a remote image URL is served from the fetched-media map', () => {
    const media = new Map([['https://x.test/cat.webp', { mimeType: 'image/webp', data: 'UklG' }]]);
    expect(map({ messages: [image('https://x.test/cat.webp')] }, NOVA, media).body.messages[0]!.content[1]).toEqual({ image: { format: 'webp', source: { bytes: 'UklG' } } });
  });

  test('unfetched URLs and unsupported image types are refused naming the part', () => {
    expect(refused({ messages: [hi[0]!, image('https://x.test/a.png')] })).toMatchObject({ status: 400, param: 'messages[1].content[1].image_url.url' });
    expect(refused({ messages: [image('data:image/svg+xml;base64,PHN2Zz4=')] })).toMatchObject({ param: 'messages[0].content[1].image_url.url' });
    expect(refused({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } } as never] }] })).toMatchObject({
      param: 'messages[0].content[0].type',
    });
  });

  test('file part: PDF → document with a sanitised name (extension gone, only allowed characters, single spaces)', () => {
    const file = (filename: string | undefined, data = 'data:application/pdf;base64,JVBERi0=') => ({ type: 'file' as const, file: { filename, file_data: data } });
    const b = body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Sum up' }, file('Q3 report_final (v2)..pdf'), file(undefined, 'data:text/csv;base64,YSxi')] as never }] });
    expect(b.messages[0]!.content).toEqual([
      { text: 'Sum up' },
      { document: { format: 'pdf', name: 'Q3 report final (v2)', source: { bytes: 'JVBERi0=' } } },
      { document: { format: 'csv', name: 'document 3', source: { bytes: 'YSxi' } } },
    ]);
    expect(validateConverseBody(b)).toBeNull();
    const bad = refused({ messages: [{ role: 'user', content: [file('a.zip', 'data:application/zip;base64,UEs=')] as never }] });
    expect(bad).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
  });
});

describe('inference parameters', () => {
  test('max_completion_tokens wins over max_tokens; temperature clamped to 1; top_p; stop string and array', () => {
    expect(body({ max_tokens: 10, max_completion_tokens: 20, temperature: 1.7, top_p: 0.9, stop: 'END' }).inferenceConfig).toEqual({
      maxTokens: 20, temperature: 1, topP: 0.9, stopSequences: ['END'],
    });
    expect(body({ max_tokens: 10, stop: ['a', 'b', 'c', 'd'] }).inferenceConfig).toEqual({ maxTokens: 10, stopSequences: ['a', 'b', 'c', 'd'] });
    expect('inferenceConfig' in body({ stop: [] })).toBe(false);
  });

  test('more than 4 stop sequences are refused', () => {
    expect(refused({ stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ status: 400, param: 'stop' });
  });

  test('top_k → additionalModelRequestFields in each family\'s own field; guardrailConfig/performanceConfig pass through; seed, penalties, user dropped', () => {
    const guardrailConfig = { guardrailIdentifier: 'gr-1', guardrailVersion: '1' };
    const b = body({ top_k: 5, guardrailConfig, performanceConfig: { latency: 'optimized' }, seed: 1, presence_penalty: 0.5, frequency_penalty: 0.5, user: 'u1', parallel_tool_calls: true, n: 1 });
    expect(b).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      additionalModelRequestFields: { inferenceConfig: { topK: 5 } }, // Nova's field
      guardrailConfig,
      performanceConfig: { latency: 'optimized' },
    });
    expect(validateConverseBody(b)).toBeNull();
  });

  test.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 2 }, 'top_logprobs'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [{ functions: [{ name: 'f' }] }, 'functions'],
    [{ function_call: 'auto' }, 'functions'],
  ] as Array<[Partial<ChatRequest>, string]>)('%j is refused with param %s', (req, param) => {
    const e = refused(req);
    expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST', param });
    expect(e.message).toContain('Provider aws (bedrock) does not support');
  });
});

describe('tools', () => {
  const spec = (name: string, json: Record<string, unknown> = { type: 'object' }) => ({ toolSpec: { name, inputSchema: { json } } });

  test.each([
    ['auto', { auto: {} }],
    ['required', { any: {} }],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: { name: 'get_weather' } }],
  ] as const)('tool_choice %j → %j', (choice, expected) => {
    const b = body({ tools: [weather], tool_choice: choice as ChatRequest['tool_choice'] });
    expect(b.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'weather', inputSchema: { json: weather.function.parameters } } }], toolChoice: expected });
  });

  test('no tool_choice: tools without a toolChoice; no parameters → a permissive object schema', () => {
    expect(body({ tools: [{ type: 'function', function: { name: 'now' } }] }).toolConfig).toEqual({ tools: [spec('now')] });
  });

  test('tool_choice none without tool history: no toolConfig at all', () => {
    expect('toolConfig' in body({ tools: [weather], tool_choice: 'none' })).toBe(false);
  });

  test('pitfall 4.8: tool history with tool_choice none or no tools still declares toolConfig (history-only tools permissive)', () => {
    const none = body({ messages: toolHistory, tools: [weather, { type: 'function', function: { name: 'now' } }], tool_choice: 'none' });
    expect(none.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'weather', inputSchema: { json: weather.function.parameters } } }, spec('now')] });
    const bare = body({ messages: toolHistory });
    expect(bare.toolConfig).toEqual({ tools: [spec('get_weather')] });
    expect(validateConverseBody(none)).toBeNull();
    expect(validateConverseBody(bare)).toBeNull();
  });
});

describe('response_format', () => {
  const DESC = 'Give the final answer as a JSON object, by calling this tool.';

  test('json_object with no tools → forced tool `json`, toolChoice {tool}', () => {
    const p = map({ response_format: { type: 'json_object' } });
    expect(p.body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'json', description: DESC, inputSchema: { json: { type: 'object' } } } }], toolChoice: { tool: { name: 'json' } } });
    expect(p.shape).toEqual({ jsonTool: 'json', reasoning: false });
  });

  test('json_schema: its schema and description become the tool', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const p = map({ response_format: { type: 'json_schema', json_schema: { name: 'c', description: 'A city', schema } } });
    expect(p.body.toolConfig?.tools).toEqual([{ toolSpec: { name: 'json', description: 'A city', inputSchema: { json: schema } } }]);
  });

  test('with client tools: the json tool is added and the model must call some tool ({any:{}}) even under tool_choice auto', () => {
    for (const tool_choice of [undefined, 'auto', 'required'] as const) {
      const tc = map({ tools: [weather], tool_choice, response_format: { type: 'json_object' } }).body.toolConfig!;
      expect(tc.tools.map((t) => t.toolSpec.name)).toEqual(['get_weather', 'json']);
      expect(tc.toolChoice).toEqual({ any: {} });
    }
    const named = map({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } }, response_format: { type: 'json_object' } });
    expect(named.body.toolConfig!.toolChoice).toEqual({ tool: { name: 'get_weather' } });
  });

  test('a client tool named json: the forced tool is json_response', () => {
    const p = map({ tools: [{ type: 'function', function: { name: 'json' } }], response_format: { type: 'json_object' } });
    expect(p.shape.jsonTool).toBe('json_response');
    expect(p.body.toolConfig).toMatchObject({ tools: [{ toolSpec: { name: 'json' } }, { toolSpec: { name: 'json_response' } }], toolChoice: { any: {} } });
  });

  test('tool_choice none with tool history: history tools stay declared, the json tool is forced by name', () => {
    const p = map({ tools: [weather], tool_choice: 'none', messages: toolHistory, response_format: { type: 'json_object' } });
    expect(p.body.toolConfig!.tools.map((t) => t.toolSpec.name)).toEqual(['get_weather', 'json']);
    expect(p.body.toolConfig!.toolChoice).toEqual({ tool: { name: 'json' } });
    expect(validateConverseBody(p.body)).toBeNull();
  });

  test('response_format text changes nothing', () => {
    expect(map({ response_format: { type: 'text' } })).toEqual(map({}));
  });
});

describe('reasoning_effort', () => {
  test('on anthropic.* models → thinking; temperature/topP removed; maxTokens raised to budget + 1024', () => {
    const p = map({ reasoning_effort: 'high', temperature: 0.5, top_p: 0.9, max_tokens: 100, top_k: 5 }, CLAUDE);
    expect(p.body.inferenceConfig).toEqual({ maxTokens: 5120 });
    expect(p.body.additionalModelRequestFields).toEqual({ top_k: 5, thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(p.shape).toEqual({ jsonTool: null, reasoning: true });
    expect(map({ reasoning_effort: 'low', max_tokens: 8000 }, `us.${CLAUDE}`).body.inferenceConfig).toEqual({ maxTokens: 8000 });
    expect(map({ reasoning_effort: 'none' }, CLAUDE).shape.reasoning).toBe(false);
  });

  test('other models, unknown efforts, and JSON output with thinking are refused', () => {
    expect(refused({ reasoning_effort: 'low' }, NOVA)).toMatchObject({ status: 400, param: 'reasoning_effort' });
    expect(refused({ reasoning_effort: 'extreme' }, CLAUDE)).toMatchObject({ param: 'reasoning_effort' });
    // Claude refuses forced tool use with thinking on, and JSON output rides on a forced tool.
    expect(refused({ reasoning_effort: 'low', response_format: { type: 'json_object' } }, CLAUDE)).toMatchObject({ status: 400, param: 'response_format' });
  });
});
