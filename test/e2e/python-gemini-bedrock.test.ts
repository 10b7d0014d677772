import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { EXAMPLE_CREDENTIALS, startFakeBedrock, type FakeBedrock } from '../fakes/bedrock-upstream.ts';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { pythonWithSdks } from '../helpers/python.ts';

// The integration guide's Gemini and Bedrock "After (via Dvara)" examples, as users run them: the Python
// `openai` SDK (pinned in test/python/requirements.txt) against a real gateway whose gemini and bedrock
// providers reach the faithful fakes (Google's request parsing, SigV4 checks, eventstream frames).
const [AKID, SECRET] = Object.entries(EXAMPLE_CREDENTIALS)[0]!;
let gemini: FakeGemini;
let bedrock: FakeBedrock;
let gw: TestGateway;
let python: string;

beforeAll(async () => {
  const py = await pythonWithSdks();
  if ('reason' in py) throw new Error(`cannot run the Python SDK tests: ${py.reason}`);
  python = py.python;
  gemini = await startFakeGemini({ apiKey: 'AIzaGuideKey' });
  bedrock = await startFakeBedrock();
  gw = await startTestGateway(`
providers:
  gemini: { type: gemini, api_key: AIzaGuideKey, base_url: "${gemini.url}" }
  bedrock: { type: bedrock, region: us-east-1, access_key_id: ${AKID}, secret_access_key: "${SECRET}", base_url: "${bedrock.url}" }
`);
}, 240_000);

afterAll(async () => {
  await gw?.stop();
  await gemini?.stop();
  await bedrock?.stop();
});

test("the guide's Gemini and Bedrock examples work through the Python openai SDK", async () => {
  const p = Bun.spawn([python, join(import.meta.dir, '..', 'python', 'guide_gemini_bedrock.py')], {
    env: { ...process.env, DVARA_URL: gw.url, DVARA_KEY: gw.key },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(code === 0 ? code : `${code}: ${err.slice(-1500)}`).toBe(0);
  const r = JSON.parse(out) as Record<string, unknown>;
  expect(r.gemini).toBe('You said: Explain how AI works');
  expect(r.bedrock).toBe('You said: Hello from Bedrock via Dvara!');
  expect(r.gemini_stream).toBe('You said: Stream this');
  expect(r.bedrock_stream).toBe('You said: Stream this');
  expect(r.gemini_tool).toEqual(['get_weather']);
  expect(r.bedrock_tool).toEqual(['get_weather']);
  expect(bedrock.requests.every((q) => q.headers.authorization?.startsWith('AWS4-HMAC-SHA256'))).toBe(true);
}, 60_000);
