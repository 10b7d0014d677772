// The integration guide's LangChain4j examples (Java SDKs › LangChain4j, and the Java line of Using Dvara Headers)
// run with the real library against the compiled gateway: the guide's version (langchain4j-open-ai 1.0.0-beta1)
// with the guide's code as far as it compiles, and the latest release with its current idiom. The programs are
// Maven projects under java/langchain4j-guide and java/langchain4j-latest (see their Main.java).
import { afterAll, beforeAll, describe } from 'bun:test';
import { cellTests, type Cell, type Results } from './cells.ts';
import { startConformanceGateway, type ConformanceGateway } from './harness.ts';
import { javaProject, providerOf, reachedProvider, runJava, type Evidence } from './java/maven.ts';

const guide = javaProject('langchain4j-guide', 'langchain4j.version');
const latest = javaProject('langchain4j-latest', 'langchain4j.version');

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'bedrock', 'qwen', 'qianfan', 'zhipu', 'deepseek', 'moonshot'] as const;
const TRANSLATED = ['openai', 'anthropic', 'gemini', 'bedrock'] as const;

const common: Cell[] = [
  ...PROVIDERS.map((p) => `chat · ${p}` as const),
  ...PROVIDERS.map((p) => `stream · ${p}` as const),
  'headers · openai',
  'errors · any',
];
// The guide shows AI Services structured output with gpt-4o only; the latest idiom is checked on every
// provider Dvara translates.
const GUIDE_CELLS: Cell[] = [...common, 'structured output · openai'];
const LATEST_CELLS: Cell[] = [...common, ...TRANSLATED.map((p) => `structured output · ${p}` as const)];

/** What each passed cell must have caused upstream (the prompts are the guide's, see Main.java). */
function evidence(requireJsonSchema: boolean): Evidence {
  return (cell, seen) => {
    const provider = providerOf(cell);
    if (cell.startsWith('chat · ')) return reachedProvider(seen, provider, 'capital of Germany');
    if (cell.startsWith('stream · ')) return reachedProvider(seen, provider, 'haiku about Java');
    if (cell.startsWith('structured output · ')) {
      const missing = reachedProvider(seen, provider, 'Inception');
      if (missing || provider !== 'openai' || !requireJsonSchema) return missing;
      const sent = seen.filter((s) => s.fake === 'openai' && s.text.includes('Inception')).map((s) => s.body?.response_format?.type);
      return sent.includes('json_schema') ? undefined : `the request carried response_format ${JSON.stringify(sent)}, not json_schema`;
    }
    if (cell === 'headers · openai') {
      const ids = seen.filter((s) => s.fake === 'openai').map((s) => s.headers['x-trace-id']);
      return ids.includes('my-trace-123') ? undefined : `no request arrived with X-Trace-ID my-trace-123 (saw ${JSON.stringify([...new Set(ids)].slice(0, 5))})`;
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

describe(`java · langchain4j-open-ai@${guide.version} (guide)`, () => {
  cellTests(GUIDE_CELLS, () => results[guide.name]);
});

describe(`java · langchain4j-open-ai@${latest.version} (latest)`, () => {
  cellTests(LATEST_CELLS, () => results[latest.name]);
});
