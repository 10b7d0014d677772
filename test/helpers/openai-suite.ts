import { afterAll, beforeAll, beforeEach } from 'bun:test';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';

export interface OpenAISuite {
  fake: FakeUpstream;
  gw: TestGateway;
  client: OpenAI;
}

/**
 * Registers the hooks most e2e files share: a fake OpenAI upstream, a real gateway with `openai` pointed at it
 * and the `demo` mock beside it, an `openai` SDK client, and a fresh fake before each test. `bind` hands the
 * started objects to the file's own variables.
 */
export function useOpenAISuite(bind: (s: OpenAISuite) => void): void {
  let s: OpenAISuite;
  beforeAll(async () => {
    const fake = await startFakeOpenAI();
    const gw = await startTestGateway(`
server: { host: 127.0.0.1, port: 0 }
providers:
  openai: { type: openai, api_key: sk-upstream-secret, base_url: "${fake.url}/v1" }
  demo: { type: mock }
`);
    s = { fake, gw, client: new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 }) };
    bind(s);
  });
  afterAll(async () => {
    await s.gw.stop();
    await s.fake.stop();
  });
  beforeEach(() => s.fake.reset());
}
