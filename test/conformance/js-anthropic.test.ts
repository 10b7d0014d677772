// `@anthropic-ai/sdk` against Dvara's Anthropic front door (baseURL = the gateway, no /v1): messages.create,
// messages.stream, a tool_use → tool_result round trip, X-Trace-ID, and the 401 for a bad key — for the guide's
// Claude model (served natively) and for non-Claude models, which Dvara translates to and from Chat Completions.
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GUIDE_MODELS } from './harness.ts';
import { CORE_PROVIDERS, suiteName, useGateway, withLogs } from './js-shared.ts';

const gateway = useGateway();

const client = () => new Anthropic({ baseURL: gateway().url, apiKey: gateway().key, maxRetries: 0 });
const cell = (name: string, body: () => Promise<void>) => test(name, () => withLogs(gateway, body));

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Get the current weather in a given city',
  input_schema: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
};

const textOf = (content: Anthropic.ContentBlock[]) =>
  content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');

describe(suiteName('@anthropic-ai/sdk'), () => {
  // The Claude model first (native passthrough), then the others through translation.
  for (const provider of CORE_PROVIDERS.slice().sort((a, b) => Number(b === 'anthropic') - Number(a === 'anthropic'))) {
    const model = GUIDE_MODELS[provider];

    cell(`chat · ${provider}`, async () => {
      const { data: message, response } = await client()
        .messages.create({
          model,
          max_tokens: 1024,
          system: 'You are a helpful assistant.',
          messages: [{ role: 'user', content: 'Hello, Claude' }],
        })
        .withResponse();
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      expect(message.id.length).toBeGreaterThan(0);
      expect(textOf(message.content).length).toBeGreaterThan(0);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(response.headers.get('x-dvara-provider')).toBe(provider);
    });

    cell(`stream · ${provider}`, async () => {
      // The SDK's streaming helper: text events, then the accumulated message ...
      const texts: string[] = [];
      const stream = client().messages.stream({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Write a haiku about APIs.' }] });
      stream.on('text', (t) => texts.push(t));
      const final = await stream.finalMessage();
      expect(texts.join('').length).toBeGreaterThan(0);
      expect(textOf(final.content)).toBe(texts.join(''));
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBeGreaterThan(0);

      // ... and the raw events of create({ stream: true }).
      const raw = await client().messages.create({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], stream: true });
      const types: string[] = [];
      for await (const event of raw) types.push(event.type);
      expect(types[0]).toBe('message_start');
      expect(types).toContain('content_block_delta');
      expect(types.at(-1)).toBe('message_stop');
    });

    cell(`tools · ${provider}`, async () => {
      // The model asks for the tool ...
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: "What's the weather in London?" }];
      const first = await client().messages.create({ model, max_tokens: 1024, tools: [weatherTool], messages });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      if (!use) throw new Error(`no tool_use block: ${JSON.stringify(first.content)}`);
      expect(use.name).toBe('get_weather');
      expect(typeof (use.input as { city?: unknown }).city).toBe('string');

      // ... the same, streamed (input_json_delta fragments accumulated by the SDK) ...
      const streamed = await client().messages.stream({ model, max_tokens: 1024, tools: [weatherTool], messages }).finalMessage();
      const streamedUse = streamed.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      expect(streamed.stop_reason).toBe('tool_use');
      expect(streamedUse?.name).toBe('get_weather');
      expect(typeof (streamedUse?.input as { city?: unknown } | undefined)?.city).toBe('string');

      // ... and the result goes back: the model answers in text.
      messages.push(
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '15 degrees and cloudy' }] },
      );
      const final = await client().messages.create({ model, max_tokens: 1024, tools: [weatherTool], messages });
      if (provider === 'openai') {
        // The OpenAI fake calls a tool whenever tools are offered; what matters is that the history was accepted.
        expect(final.content.length).toBeGreaterThan(0);
      } else {
        expect(final.stop_reason).toBe('end_turn');
        expect(textOf(final.content).length).toBeGreaterThan(0);
      }
    });
  }

  cell('headers · anthropic', async () => {
    const { response } = await client()
      .messages.create(
        { model: GUIDE_MODELS.anthropic, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] },
        { headers: { 'X-Trace-ID': 'my-trace-123', 'X-Session-Id': 'agent-session-456' } },
      )
      .withResponse();
    expect(response.headers.get('x-trace-id')).toBe('my-trace-123');
    expect(gateway().fakes.anthropic.last()?.headers['x-trace-id']).toBe('my-trace-123');
  });

  cell('errors · any', async () => {
    // A key Dvara does not know: the SDK's AuthenticationError, in Anthropic's error shape.
    const stranger = new Anthropic({ baseURL: gateway().url, apiKey: 'mk-not-a-real-key', maxRetries: 0 });
    const denied = await stranger.messages
      .create({ model: GUIDE_MODELS.anthropic, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] })
      .then(() => null, (e: unknown) => e);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    const auth = denied as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(auth.status).toBe(401);
    expect((auth.error as { type?: string; error?: { type?: string } } | undefined)?.error?.type).toBe('authentication_error');

    // A model nobody serves: a 400 BadRequestError.
    const unknown = await client()
      .messages.create({ model: 'no-such-model-xyz', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] })
      .then(() => null, (e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    expect((unknown as InstanceType<typeof Anthropic.BadRequestError>).status).toBe(400);
  });
});
