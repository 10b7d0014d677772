// The `openai` npm SDK against Dvara, every JavaScript example of the integration guide as written: chat and
// streaming for each of the guide's model names, zodResponseFormat structured output, tool calls and their
// round trip, embeddings, X-Trace-ID / X-Session-Id headers, the documented error codes, and the Responses API.
// Run twice: with the version the project pins and with the newest release (`npm install openai` today).
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import OpenAILatest from 'openai-latest';
import { z } from 'zod';
import { GUIDE_MODELS } from './harness.ts';
import { CHAT_PROVIDERS, CORE_PROVIDERS, installed, suiteName, useGateway, withLogs } from './js-shared.ts';

const gateway = useGateway();

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** Providers served by the OpenAI-compatible fake. */
const OPENAI_FAKE = new Set<string>(['openai', 'qwen', 'qianfan', 'zhipu', 'deepseek', 'moonshot']);

const Planet = z.object({
  name: z.string(),
  diameter_km: z.number(),
  has_rings: z.boolean(),
});

function openaiSuite(Client: typeof OpenAI, dir: string, tag?: 'latest') {
  describe(suiteName(dir, tag), () => {
    const client = () => new Client({ baseURL: gateway().baseURL, apiKey: gateway().key, maxRetries: 0 });
    const cell = (name: string, body: () => Promise<void>) => test(name, () => withLogs(gateway, body));

    for (const provider of CHAT_PROVIDERS) {
      const model = GUIDE_MODELS[provider];

      cell(`chat · ${provider}`, async () => {
        // The guide's "Basic chat completion", with the model switched (its "Anthropic JavaScript" example too).
        const { data: response, response: raw } = await client()
          .chat.completions.create({
            model,
            messages: [
              { role: 'system', content: 'You are a helpful assistant.' },
              { role: 'user', content: 'Explain microservices in one paragraph.' },
            ],
          })
          .withResponse();
        expect(response.object).toBe('chat.completion');
        expect(typeof response.choices[0]!.message.content).toBe('string');
        expect(response.choices[0]!.message.content!.length).toBeGreaterThan(0);
        expect(raw.headers.get('x-dvara-provider')).toBe(provider);

        if (provider === 'openai') {
          // The guide's "Environment variable approach": no options, OPENAI_BASE_URL and OPENAI_API_KEY.
          const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
          process.env.OPENAI_BASE_URL = gateway().baseURL;
          process.env.OPENAI_API_KEY = gateway().key;
          try {
            const fromEnv = await new Client({ maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] });
            expect(fromEnv.choices[0]!.message.content!.length).toBeGreaterThan(0);
          } finally {
            if (saved.base === undefined) delete process.env.OPENAI_BASE_URL;
            else process.env.OPENAI_BASE_URL = saved.base;
            if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
            else process.env.OPENAI_API_KEY = saved.key;
          }
        }
      });

      cell(`stream · ${provider}`, async () => {
        // The guide's "Streaming" as written ...
        const plain = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'Write a poem about code.' }], stream: true });
        let written = '';
        for await (const chunk of plain) written += chunk.choices[0]?.delta?.content || '';
        expect(written.length).toBeGreaterThan(0);

        // ... and asking for the usage chunk as well.
        const stream = await client().chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Write a poem about code.' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let chunks = 0;
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of stream) {
          chunks += 1;
          text += chunk.choices[0]?.delta?.content || '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          if (chunk.usage) usage = chunk.usage;
        }
        expect(chunks).toBeGreaterThan(1);
        expect(text.length).toBeGreaterThan(0);
        expect(finish).toBe('stop');
        expect(usage?.total_tokens).toBeGreaterThan(0);
        expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
      });
    }

    for (const provider of CORE_PROVIDERS) {
      const model = GUIDE_MODELS[provider];

      cell(`structured output · ${provider}`, async () => {
        // The guide's form: create() with zodResponseFormat, then JSON.parse the content.
        const response = await client().chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Tell me about Saturn.' }],
          response_format: zodResponseFormat(Planet, 'planet'),
        });
        const planet = Planet.parse(JSON.parse(response.choices[0]!.message.content!));
        expect(typeof planet.name).toBe('string');

        // The SDK's parse() helper: the same schema, validated and parsed by the client.
        const parsed = await client().chat.completions.parse({
          model,
          messages: [{ role: 'user', content: 'Tell me about Saturn.' }],
          response_format: zodResponseFormat(Planet, 'planet'),
        });
        const message = parsed.choices[0]!.message;
        expect(message.refusal ?? null).toBeNull();
        expect(Planet.parse(message.parsed)).toEqual(message.parsed!);
      });

      cell(`tools · ${provider}`, async () => {
        // The guide's "Tool calls" example ...
        const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: "What's the weather in London?" }];
        const response = await client().chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
        const toolCall = response.choices[0]!.message.tool_calls?.[0];
        expect(response.choices[0]!.finish_reason).toBe('tool_calls');
        if (toolCall?.type !== 'function') throw new Error(`no function tool call: ${JSON.stringify(response.choices[0]!.message)}`);
        expect(toolCall.function.name).toBe('get_weather');
        expect(typeof JSON.parse(toolCall.function.arguments).city).toBe('string');
        expect(toolCall.id.length).toBeGreaterThan(0);

        // ... streamed: the call's id, name and argument fragments reassemble into the same call ...
        const stream = await client().chat.completions.create({ model, messages, tools: [WEATHER_TOOL], stream: true });
        const streamed = { id: '', name: '', args: '' };
        let finish: string | null = null;
        for await (const chunk of stream) {
          for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
            if (tc.index !== 0) continue;
            streamed.id ||= tc.id ?? '';
            streamed.name ||= tc.function?.name ?? '';
            streamed.args += tc.function?.arguments ?? '';
          }
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        expect(finish).toBe('tool_calls');
        expect(streamed.name).toBe('get_weather');
        expect(streamed.id.length).toBeGreaterThan(0);
        expect(typeof JSON.parse(streamed.args).city).toBe('string');

        // ... and the round trip: the assistant's call and the tool's result go back, the model answers.
        messages.push(response.choices[0]!.message, { role: 'tool', tool_call_id: toolCall.id, content: '{"temperature_c": 14, "sky": "overcast"}' });
        const final = await client().chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
        const answer = final.choices[0]!.message;
        if (provider === 'openai') {
          // The OpenAI fake calls a tool whenever tools are offered; what matters is that the history was accepted.
          expect(answer.content || answer.tool_calls?.length).toBeTruthy();
        } else {
          expect(final.choices[0]!.finish_reason).toBe('stop');
          expect(answer.content!.length).toBeGreaterThan(0);
        }
      });
    }

    cell('embeddings · openai', async () => {
      // The guide's embeddings example (the SDK asks for base64 and decodes it) ...
      const response = await client().embeddings.create({ model: GUIDE_MODELS.embeddings, input: 'The quick brown fox jumps over the lazy dog.' });
      expect(response.data).toHaveLength(1);
      expect(response.data[0]!.embedding.length).toBeGreaterThan(0);
      expect(response.data[0]!.embedding.every((x) => Number.isFinite(x))).toBe(true);
      // ... a batch, and floats asked for explicitly.
      const batch = await client().embeddings.create({ model: GUIDE_MODELS.embeddings, input: ['first', 'second', 'third'], encoding_format: 'float' });
      expect(batch.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(batch.data[1]!.embedding.length).toBe(response.data[0]!.embedding.length);
      expect(batch.usage.prompt_tokens).toBeGreaterThan(0);
    });

    cell('headers · openai', async () => {
      // The guide's per-request X-Trace-ID, echoed back and passed upstream ...
      const { response: raw } = await client()
        .chat.completions.create({ model: GUIDE_MODELS.openai, messages: [{ role: 'user', content: 'Hello' }] }, { headers: { 'X-Trace-ID': 'my-trace-123' } })
        .withResponse();
      expect(raw.headers.get('x-trace-id')).toBe('my-trace-123');
      expect(gateway().fakes.openai.last()?.headers['x-trace-id']).toBe('my-trace-123');

      // ... and X-Session-Id with X-Trace-ID as client-wide defaultHeaders, on a stream too.
      const tagged = new Client({
        baseURL: gateway().baseURL,
        apiKey: gateway().key,
        maxRetries: 0,
        defaultHeaders: { 'X-Session-Id': 'agent-session-456', 'X-Trace-ID': 'agent-trace-456' },
      });
      const { data: stream, response: streamed } = await tagged.chat.completions
        .create({ model: GUIDE_MODELS.openai, messages: [{ role: 'user', content: 'Continue our conversation' }], stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      expect(streamed.headers.get('x-trace-id')).toBe('agent-trace-456');
    });

    cell('errors · any', async () => {
      // The guide's troubleshooting: 400 NO_PROVIDER for a model nobody serves ...
      const unknown = await client()
        .chat.completions.create({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'Hello' }] })
        .then(() => null, (e: unknown) => e);
      expect(unknown).toBeInstanceOf(Client.BadRequestError);
      const bad = unknown as InstanceType<typeof Client.BadRequestError>;
      expect(bad.status).toBe(400);
      expect(bad.code).toBe('NO_PROVIDER');
      expect(bad.message).toContain('no-such-model-xyz');

      // ... and 401 UNAUTHORIZED for a key Dvara does not know.
      const stranger = new Client({ baseURL: gateway().baseURL, apiKey: 'mk-not-a-real-key', maxRetries: 0 });
      const denied = await stranger.chat.completions
        .create({ model: GUIDE_MODELS.openai, messages: [{ role: 'user', content: 'Hello' }] })
        .then(() => null, (e: unknown) => e);
      expect(denied).toBeInstanceOf(Client.AuthenticationError);
      const auth = denied as InstanceType<typeof Client.AuthenticationError>;
      expect(auth.status).toBe(401);
      expect(auth.code).toBe('UNAUTHORIZED');
    });

    for (const provider of CHAT_PROVIDERS) {
      const model = GUIDE_MODELS[provider];
      cell(`responses · ${provider}`, async () => {
        // OpenAI's Responses API, as documented: a string input, output_text on the result ...
        const response = await client().responses.create({ model, input: 'Tell me a three sentence bedtime story about a unicorn.' });
        expect(response.object).toBe('response');
        expect(response.status).toBe('completed');
        expect(response.output_text.length).toBeGreaterThan(0);
        expect(response.usage?.total_tokens).toBeGreaterThan(0);

        // ... streamed: created, text deltas, completed ...
        const stream = await client().responses.create({ model, input: 'Say hello.', stream: true });
        const types: string[] = [];
        let text = '';
        let completed: OpenAI.Responses.Response | undefined;
        for await (const event of stream) {
          types.push(event.type);
          if (event.type === 'response.output_text.delta') text += event.delta;
          if (event.type === 'response.completed') completed = event.response;
        }
        expect(types[0]).toBe('response.created');
        expect(text.length).toBeGreaterThan(0);
        expect(completed?.status).toBe('completed');

        // ... and a function call round trip the documented way: the output items go back with the tool's output.
        const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Get weather for a city', strict: false, parameters: WEATHER_TOOL.function.parameters }];
        const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: "What's the weather in London?" }];
        const asked = await client().responses.create({ model, input, tools });
        const call = asked.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
        if (!call) throw new Error(`no function_call item: ${JSON.stringify(asked.output)}`);
        expect(call.name).toBe('get_weather');
        expect(typeof JSON.parse(call.arguments).city).toBe('string');
        input.push(...(asked.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c": 14}' });
        const answered = await client().responses.create({ model, input, tools });
        expect(answered.status).toBe('completed');
        // The OpenAI-compatible fake (behind openai and the Chinese providers) calls a tool whenever tools are offered.
        if (!OPENAI_FAKE.has(provider)) expect(answered.output_text.length).toBeGreaterThan(0);
      });
    }
  });
}

openaiSuite(OpenAI, 'openai');
if (installed('openai-latest').version !== installed('openai').version) openaiSuite(OpenAILatest as unknown as typeof OpenAI, 'openai-latest', 'latest');
