// The integration guide's Spring AI examples run with the real library against the compiled gateway: a Spring
// Boot app (no web server) with the guide's application.yml, base-url ending in /v1 as written (Spring AI then
// calls /v1/v1/chat/completions, which Dvara serves), its ChatService, structured output, model switching and
// function calling. Two versions: the guide's (the starter name spring-ai-openai-spring-boot-starter and
// ChatClient.functions(...) last exist in 1.0.0-M6) and the latest 1.x release with its current idiom. The
// programs are Maven projects under java/spring-ai-guide and java/spring-ai-latest (see their Main.java).
import { afterAll, beforeAll, describe } from 'bun:test';
import { cellTests, type Cell, type Results } from './cells.ts';
import { startConformanceGateway, type ConformanceGateway } from './harness.ts';
import { javaProject, providerOf, reachedProvider, runJava, type Evidence } from './java/maven.ts';

const guide = javaProject('spring-ai-guide', 'spring-ai.version');
const latest = javaProject('spring-ai-latest', 'spring-ai.version');

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'bedrock', 'qwen', 'qianfan', 'zhipu', 'deepseek', 'moonshot'] as const;
const TRANSLATED = ['openai', 'anthropic', 'gemini', 'bedrock'] as const;

const common: Cell[] = [
  ...PROVIDERS.map((p) => `chat · ${p}` as const),
  ...PROVIDERS.map((p) => `stream · ${p}` as const),
  ...TRANSLATED.map((p) => `tools · ${p}` as const),
  'errors · any',
];
// The guide's structured output uses the default model (gpt-4o) and prompt instructions only; the latest
// idiom (native structured output) is checked on every provider Dvara translates.
const GUIDE_CELLS: Cell[] = [...common, 'structured output · openai'];
const LATEST_CELLS: Cell[] = [...common, ...TRANSLATED.map((p) => `structured output · ${p}` as const)];

/** What each passed cell must have caused upstream (the prompts are the guide's, see Main.java). */
function evidence(requireJsonSchema: boolean): Evidence {
  return (cell, seen) => {
    const provider = providerOf(cell);
    if (cell.startsWith('chat · ')) {
      // ChatService.chat with application.yml's model, then the model switched through OpenAiChatOptions.
      return (provider === 'openai' ? reachedProvider(seen, provider, 'capital of Germany') : undefined) ?? reachedProvider(seen, provider, 'Hello!');
    }
    if (cell.startsWith('stream · ')) return reachedProvider(seen, provider, 'haiku about Java');
    if (cell.startsWith('tools · ')) {
      // The question, and then the function's result (temperature 22.5) sent back to the same model.
      return reachedProvider(seen, provider, 'weather in Tokyo') ?? reachedProvider(seen, provider, '22.5');
    }
    if (cell.startsWith('structured output · ')) {
      const missing = reachedProvider(seen, provider, 'Tell me about Paris');
      if (missing || provider !== 'openai' || !requireJsonSchema) return missing;
      const sent = seen.filter((s) => s.fake === 'openai' && s.text.includes('Tell me about Paris')).map((s) => s.body?.response_format?.type);
      return sent.includes('json_schema') ? undefined : `the request carried response_format ${JSON.stringify(sent)}, not json_schema`;
    }
    return undefined;
  };
}

let gw: ConformanceGateway | undefined;
const results: Record<string, Results | string> = {};

beforeAll(async () => {
  gw = await startConformanceGateway();
  // One after the other: they share the fakes' recordings and Maven's local repository.
  results[guide.name] = await runJava(guide, gw, evidence(false));
  results[latest.name] = await runJava(latest, gw, evidence(true));
}, 1_800_000);

afterAll(async () => {
  await gw?.stop();
});

describe(`java · spring-ai-openai-spring-boot-starter@${guide.version} (guide)`, () => {
  cellTests(GUIDE_CELLS, () => results[guide.name]);
});

describe(`java · spring-ai-starter-model-openai@${latest.version} (latest)`, () => {
  cellTests(LATEST_CELLS, () => results[latest.name]);
});
