// The Vercel AI SDK (`ai` + `@ai-sdk/openai`) against Dvara: the guide's example exactly as written
// (createOpenAI({ baseURL, apiKey }), generateText and streamText with `dvara("gpt-4o")`) across the guide's model
// names, structured output with a zod schema, tools with a multi-step loop, an agent, embeddings, headers and
// errors. Since @ai-sdk/openai 2, `dvara(model)` speaks the Responses API (POST /v1/responses) and
// `dvara.chat(model)` Chat Completions; every cell runs both, and names the form that failed.
import { describe, expect, test } from 'bun:test';
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { APICallError, embed, embedMany, generateObject, generateText, isStepCount, Output, streamText, tool, ToolLoopAgent, type LanguageModel } from 'ai';
import { z } from 'zod';
import { GUIDE_MODELS } from './harness.ts';
import { CHAT_PROVIDERS, CORE_PROVIDERS, suiteName, useGateway, withLogs } from './js-shared.ts';

const gateway = useGateway();

interface Extra {
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}
/** The guide's provider instance: createOpenAI({ baseURL, apiKey }). */
const dvara = (extra: Extra = {}): OpenAIProvider =>
  createOpenAI({ baseURL: gateway().baseURL, apiKey: extra.apiKey ?? gateway().key, headers: extra.headers, fetch: extra.fetch });

const FORMS = [
  { label: "dvara(model) [the guide's form; Responses API]", path: '/v1/responses', model: (p: OpenAIProvider, id: string): LanguageModel => p(id) },
  { label: 'dvara.chat(model) [Chat Completions]', path: '/v1/chat/completions', model: (p: OpenAIProvider, id: string): LanguageModel => p.chat(id) },
] as const;

/** A fetch that notes the path of every request the client makes. */
function recordingFetch(paths: string[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
    return fetch(input, init);
  }) as typeof fetch;
}

/** What a failure says, with the HTTP exchange when there was one. */
function explain(err: unknown): string {
  if (APICallError.isInstance(err)) {
    return `${err.name}: ${err.message} (HTTP ${err.statusCode ?? '-'} from ${err.url}; body: ${String(err.responseBody ?? '').slice(0, 400)})`;
  }
  if (err instanceof Error) return `${err.name}: ${err.message}${err.cause ? ` (cause: ${explain(err.cause)})` : ''}`;
  return String(err);
}

/** Runs one check with each way of making the model (checking which endpoint it used); fails naming every form that failed. */
async function eachForm(id: string, check: (model: LanguageModel, form: string) => Promise<void>, extra: Extra = {}): Promise<void> {
  const failures: string[] = [];
  for (const form of FORMS) {
    try {
      const paths: string[] = [];
      await check(form.model(dvara({ ...extra, fetch: recordingFetch(paths) }), id), form.label);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.every((p) => p === form.path)).toBe(true);
    } catch (err) {
      failures.push(`${form.label}: ${explain(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

/** A streamText result read to its end; the first streamed error is thrown (by default the SDK only logs it). */
async function drain<T>(run: (onError: (e: { error: unknown }) => void) => { textStream: AsyncIterable<string> } & T): Promise<{ text: string; result: T }> {
  const errors: unknown[] = [];
  const result = run(({ error }) => errors.push(error));
  let text = '';
  for await (const chunk of result.textStream) text += chunk;
  if (errors.length > 0) throw errors[0];
  return { text, result };
}

const weather = tool({
  description: 'Get the weather in a city',
  inputSchema: z.object({ city: z.string().describe('The city to get the weather for') }),
  execute: async ({ city }) => ({ city, temperature: 21, sky: 'sunny' }),
});

const Recipe = z.object({
  recipe: z.object({
    name: z.string(),
    ingredients: z.array(z.object({ name: z.string(), amount: z.string() })),
    steps: z.array(z.string()),
  }),
});

const cell = (name: string, body: () => Promise<void>) => test(name, () => withLogs(gateway, body));

describe(suiteName('ai'), () => {
  for (const provider of CHAT_PROVIDERS) {
    const id = GUIDE_MODELS[provider];

    cell(`chat · ${provider}`, () =>
      eachForm(id, async (model) => {
        // The guide's "Non-streaming" example.
        const { text, finishReason, usage } = await generateText({ model, prompt: 'Explain REST APIs briefly.' });
        expect(text.length).toBeGreaterThan(0);
        expect(finishReason).toBe('stop');
        expect(usage.totalTokens).toBeGreaterThan(0);
      }),
    );

    cell(`stream · ${provider}`, () =>
      eachForm(id, async (model) => {
        // The guide's "Streaming" example.
        const { text, result } = await drain((onError) => streamText({ model, prompt: 'Write a short story about a robot.', onError }));
        expect(text.length).toBeGreaterThan(0);
        expect(await result.finishReason).toBe('stop');
        expect((await result.usage).totalTokens).toBeGreaterThan(0);
      }),
    );
  }

  for (const provider of CORE_PROVIDERS) {
    const id = GUIDE_MODELS[provider];

    cell(`structured output · ${provider}`, () =>
      eachForm(id, async (model) => {
        // generateText with Output.object (the current API) ...
        const { output } = await generateText({ model, output: Output.object({ schema: Recipe }), prompt: 'Generate a lasagna recipe.' });
        expect(Recipe.parse(output)).toEqual(output);
        // ... and generateObject (deprecated, still everywhere in the wild).
        const { object } = await generateObject({ model, schema: Recipe, prompt: 'Generate a lasagna recipe.' });
        expect(typeof Recipe.parse(object).recipe.name).toBe('string');
      }),
    );

    cell(`tools · ${provider}`, () =>
      eachForm(id, async (model) => {
        // A multi-step call: the model asks for the tool, the SDK runs it and sends the result back.
        const result = await generateText({ model, tools: { weather }, stopWhen: isStepCount(3), prompt: 'What is the weather in San Francisco?' });
        const first = result.steps[0]!;
        expect(first.toolCalls.map((c) => c.toolName)).toEqual(['weather']);
        expect(typeof (first.toolCalls[0]!.input as { city: unknown }).city).toBe('string');
        expect(first.toolResults[0]?.output).toMatchObject({ temperature: 21 });
        expect(result.steps.length).toBeGreaterThan(1);
        // The OpenAI fake calls a tool whenever tools are offered, so only the others finish with text.
        if (provider !== 'openai') expect(result.text.length).toBeGreaterThan(0);

        // The same loop streamed: tool-call and tool-result parts, then the answer.
        const parts: string[] = [];
        const errors: unknown[] = [];
        const stream = streamText({ model, tools: { weather }, stopWhen: isStepCount(3), prompt: 'What is the weather in Paris?', onError: ({ error }) => errors.push(error) });
        for await (const part of stream.fullStream) parts.push(part.type);
        if (errors.length > 0) throw errors[0];
        expect(parts).toContain('tool-call');
        expect(parts).toContain('tool-result');
        if (provider !== 'openai') expect((await stream.text).length).toBeGreaterThan(0);
      }),
    );

    cell(`agents · ${provider}`, () =>
      eachForm(id, async (model) => {
        const agent = new ToolLoopAgent({ model, instructions: 'You help with the weather.', tools: { weather }, stopWhen: isStepCount(4) });
        const result = await agent.generate({ prompt: 'Should I take an umbrella in London today?' });
        expect(result.steps.flatMap((s) => s.toolResults).length).toBeGreaterThan(0);
        if (provider !== 'openai') expect(result.text.length).toBeGreaterThan(0);
      }),
    );
  }

  cell('embeddings · openai', async () => {
    const { embedding, usage } = await embed({ model: dvara().embedding(GUIDE_MODELS.embeddings), value: 'sunny day at the beach' });
    expect(embedding.length).toBeGreaterThan(0);
    expect(usage.tokens).toBeGreaterThan(0);
    const { embeddings } = await embedMany({
      model: dvara().embedding(GUIDE_MODELS.embeddings),
      values: ['sunny day at the beach', 'rainy afternoon in the city', 'snowy night in the mountains'],
    });
    expect(embeddings).toHaveLength(3);
    expect(embeddings.every((e) => e.length === embedding.length)).toBe(true);
  });

  cell('headers · openai', () =>
    eachForm(
      GUIDE_MODELS.openai,
      async (model) => {
        // Per call X-Trace-ID (echoed back) on top of the provider's X-Session-Id.
        const result = await generateText({ model, prompt: 'Hello', headers: { 'X-Trace-ID': 'my-trace-123' } });
        expect(result.response.headers?.['x-trace-id']).toBe('my-trace-123');
        expect(gateway().fakes.openai.last()?.headers['x-trace-id']).toBe('my-trace-123');
      },
      { headers: { 'X-Session-Id': 'agent-session-456' } },
    ),
  );

  cell('errors · any', async () => {
    await eachForm('no-such-model-xyz', async (model) => {
      const err = await generateText({ model, prompt: 'Hello', maxRetries: 0 }).then(() => null, (e: unknown) => e);
      if (!APICallError.isInstance(err)) throw new Error(`expected an APICallError, got ${explain(err)}`);
      expect(err.statusCode).toBe(400);
      expect(err.responseBody).toContain('NO_PROVIDER');
      expect(err.isRetryable).toBe(false);
    });
    await eachForm(
      GUIDE_MODELS.openai,
      async (model) => {
        const err = await generateText({ model, prompt: 'Hello', maxRetries: 0 }).then(() => null, (e: unknown) => e);
        if (!APICallError.isInstance(err)) throw new Error(`expected an APICallError, got ${explain(err)}`);
        expect(err.statusCode).toBe(401);
        expect(err.responseBody).toContain('UNAUTHORIZED');
      },
      { apiKey: 'mk-not-a-real-key' },
    );
  });
});
