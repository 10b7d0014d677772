// LangChain.js (`@langchain/openai` + `@langchain/core`) against Dvara: ChatOpenAI with configuration.baseURL —
// invoke, a prompt | model chain and its stream, withStructuredOutput with a zod schema, bindTools and the tool
// round trip, OpenAIEmbeddings, headers and errors — for the guide's OpenAI, Anthropic, Gemini and Bedrock models
// (chat and stream for every model the guide names), plus the Responses API when asked for with useResponsesApi.
import { describe, expect, test } from 'bun:test';
import { AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, OpenAIEmbeddings, type ChatOpenAIFields } from '@langchain/openai';
import { z } from 'zod';
import { GUIDE_MODELS } from './harness.ts';
import { CHAT_PROVIDERS, CORE_PROVIDERS, suiteName, useGateway, withLogs } from './js-shared.ts';

const gateway = useGateway();

/** The guide's ChatOpenAI, pointed at Dvara through `configuration.baseURL` (LangChain.js's spelling). */
const llm = (model: string, { configuration, ...extra }: Partial<ChatOpenAIFields> = {}) =>
  new ChatOpenAI({ model, apiKey: gateway().key, maxRetries: 0, ...extra, configuration: { baseURL: gateway().baseURL, ...configuration } });

const cell = (name: string, body: () => Promise<void>) => test(name, () => withLogs(gateway, body));

const textOf = (m: BaseMessage) => (typeof m.content === 'string' ? m.content : m.text);

const MovieReview = z.object({ title: z.string(), rating: z.number(), summary: z.string() });

const calculator = tool(async ({ expression }) => String(expression.length), {
  name: 'calculator',
  description: 'Evaluate a math expression.',
  schema: z.object({ expression: z.string().describe('The expression to evaluate') }),
});

describe(suiteName('@langchain/openai'), () => {
  for (const provider of CHAT_PROVIDERS) {
    const model = GUIDE_MODELS[provider];

    cell(`chat · ${provider}`, async () => {
      // The guide's "Basic chat" ...
      const response = await llm(model, { temperature: 0.7 }).invoke('What is the capital of France?');
      expect(textOf(response).length).toBeGreaterThan(0);
      expect(response.usage_metadata?.total_tokens).toBeGreaterThan(0);
      expect(response.response_metadata.finish_reason).toBe('stop');

      // ... and "With chains": prompt | llm.
      const prompt = ChatPromptTemplate.fromMessages([
        ['system', 'You are a {role}. Answer concisely.'],
        ['human', '{question}'],
      ]);
      const answer = await prompt.pipe(llm(model)).invoke({ role: 'historian', question: 'Who built the pyramids?' });
      expect(textOf(answer).length).toBeGreaterThan(0);
    });

    cell(`stream · ${provider}`, async () => {
      // The guide's "Streaming with chains", and the same chain ending in a string parser.
      const prompt = ChatPromptTemplate.fromMessages([
        ['system', 'You are a {role}. Answer concisely.'],
        ['human', '{question}'],
      ]);
      const chain = prompt.pipe(llm(model));
      let text = '';
      let chunks = 0;
      let usage = 0;
      for await (const chunk of await chain.stream({ role: 'poet', question: 'Write about the moon' })) {
        chunks += 1;
        text += textOf(chunk);
        usage += chunk.usage_metadata?.total_tokens ?? 0;
      }
      expect(chunks).toBeGreaterThan(1);
      expect(text.length).toBeGreaterThan(0);
      expect(usage).toBeGreaterThan(0);

      let parsed = '';
      for await (const piece of await prompt.pipe(llm(model)).pipe(new StringOutputParser()).stream({ role: 'poet', question: 'Write about the sun' })) parsed += piece;
      expect(parsed.length).toBeGreaterThan(0);
    });
  }

  for (const provider of CORE_PROVIDERS) {
    const model = GUIDE_MODELS[provider];

    cell(`structured output · ${provider}`, async () => {
      // The guide's "With structured output" (json_schema response_format by default for these models) ...
      const review = await llm(model).withStructuredOutput(MovieReview).invoke('Review the movie Inception');
      expect(MovieReview.parse(review)).toEqual(review);
      // ... and the function-calling method.
      const viaTool = await llm(model).withStructuredOutput(MovieReview, { method: 'functionCalling' }).invoke('Review the movie Inception');
      expect(MovieReview.parse(viaTool)).toEqual(viaTool);
    });

    cell(`tools · ${provider}`, async () => {
      const withTools = llm(model).bindTools([calculator]);
      const messages: BaseMessage[] = [new HumanMessage('What is 42 * 17 + 3?')];
      const ai = await withTools.invoke(messages);
      const call = ai.tool_calls?.[0];
      if (!call) throw new Error(`no tool call: ${JSON.stringify(ai.content)}`);
      expect(call.name).toBe('calculator');
      expect(typeof call.args.expression).toBe('string');
      expect(call.id?.length).toBeGreaterThan(0);

      // Streamed: tool_call_chunks that concatenate into the same call.
      let gathered: AIMessageChunk | undefined;
      for await (const chunk of await withTools.stream(messages)) gathered = gathered ? gathered.concat(chunk) : chunk;
      expect(gathered?.tool_calls?.[0]?.name).toBe('calculator');
      expect(typeof gathered?.tool_calls?.[0]?.args.expression).toBe('string');

      // The round trip: run the tool, send its ToolMessage back, the model answers.
      const result = (await calculator.invoke(call)) as ToolMessage;
      expect(result).toBeInstanceOf(ToolMessage);
      messages.push(ai, result);
      const final = await withTools.invoke(messages);
      if (provider === 'openai') {
        // The OpenAI fake calls a tool whenever tools are offered; what matters is that the history was accepted.
        expect(textOf(final).length > 0 || (final.tool_calls?.length ?? 0) > 0).toBe(true);
      } else {
        expect(textOf(final).length).toBeGreaterThan(0);
      }
    });
  }

  cell('embeddings · openai', async () => {
    // The guide's RAG embeddings. LangChain.js sends the texts as strings (Python's langchain-openai sends tokens).
    const embeddings = new OpenAIEmbeddings({ model: GUIDE_MODELS.embeddings, apiKey: gateway().key, configuration: { baseURL: gateway().baseURL }, maxRetries: 0 });
    const query = await embeddings.embedQuery('What is Dvara?');
    expect(query.length).toBeGreaterThan(0);
    const docs = await embeddings.embedDocuments(['Dvara is a gateway.', 'It speaks the OpenAI API.']);
    expect(docs).toHaveLength(2);
    expect(docs.every((d) => d.length === query.length)).toBe(true);
    const sent = gateway().fakes.openai.last()?.body as { input?: unknown } | undefined;
    expect(sent?.input).toEqual(['Dvara is a gateway.', 'It speaks the OpenAI API.']);
  });

  cell('headers · openai', async () => {
    const tagged = llm(GUIDE_MODELS.openai, { configuration: { defaultHeaders: { 'X-Trace-ID': 'my-trace-123', 'X-Session-Id': 'agent-session-456' } } });
    const response = await tagged.invoke('Hello');
    expect(textOf(response).length).toBeGreaterThan(0);
    expect(gateway().fakes.openai.last()?.headers['x-trace-id']).toBe('my-trace-123');
  });

  cell('errors · any', async () => {
    const unknown = await llm('no-such-model-xyz').invoke('Hello').then(() => null, (e: unknown) => e);
    expect(unknown).toBeInstanceOf(Error);
    expect((unknown as { status?: number }).status).toBe(400);
    expect((unknown as { code?: string }).code).toBe('NO_PROVIDER');

    const denied = await llm(GUIDE_MODELS.openai, { apiKey: 'mk-not-a-real-key' }).invoke('Hello').then(() => null, (e: unknown) => e);
    expect(denied).toBeInstanceOf(Error);
    expect((denied as { status?: number }).status).toBe(401);
    expect((denied as { code?: string }).code).toBe('UNAUTHORIZED');
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    cell(`responses · ${provider}`, async () => {
      // The client's own requests are recorded, to be sure they went to POST /v1/responses.
      const paths: string[] = [];
      const recording = (async (input: string | URL | Request, init?: RequestInit) => {
        paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return fetch(input, init);
      }) as typeof fetch;
      const responsesLlm = llm(GUIDE_MODELS[provider], { useResponsesApi: true, configuration: { fetch: recording } });
      const response = await responsesLlm.invoke('Tell me a joke.');
      expect(textOf(response).length).toBeGreaterThan(0);
      let text = '';
      for await (const chunk of await responsesLlm.stream('Tell me another.')) text += textOf(chunk);
      expect(text.length).toBeGreaterThan(0);
      expect(paths).toEqual(['/v1/responses', '/v1/responses']);
    });
  }
});
