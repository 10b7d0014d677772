import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { pythonWithSdks } from '../helpers/python.ts';

// The integration guide's Anthropic examples in Python, run by the official `anthropic` and `openai` SDKs
// (pinned in test/python/requirements.txt) against a real gateway whose `claude-*` models reach a faithful
// fake Anthropic upstream: /v1/messages natively, the OpenAI SDK through the translation adapter.
const KEY = 'sk-ant-python-test';
let fake: FakeAnthropic;
let gw: TestGateway;
let python: string;

beforeAll(async () => {
  const py = await pythonWithSdks();
  if ('reason' in py) throw new Error(`cannot run the Python SDK tests: ${py.reason}`);
  python = py.python;
  fake = await startFakeAnthropic({ apiKey: KEY });
  gw = await startTestGateway(`
providers:
  anthropic: { type: anthropic, api_key: ${KEY}, base_url: "${fake.url}" }
`);
}, 240_000);

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

test('the guide\'s Anthropic Python examples work unchanged but for base_url and the key', async () => {
  const p = Bun.spawn([python, join(import.meta.dir, '..', 'python', 'sdk_examples.py')], {
    env: { ...process.env, DVARA_URL: gw.url, DVARA_KEY: gw.key },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(err.trim() === '' ? code : `${code}: ${err.slice(-1500)}`).toBe(0);
  const r = JSON.parse(out) as Record<string, unknown>;
  expect(r.anthropic_text).toEqual(expect.any(String));
  expect((r.anthropic_text as string).length).toBeGreaterThan(0);
  expect((r.anthropic_usage as number[]).every((n) => n > 0)).toBe(true);
  expect((r.anthropic_stream as string).length).toBeGreaterThan(0);
  expect(r.anthropic_stream_stop).toBe('end_turn');
  expect(r.anthropic_tool).toEqual(['get_weather']);
  expect((r.openai_claude_text as string).length).toBeGreaterThan(0);
  expect((r.openai_claude_stream as string).length).toBeGreaterThan(0);
  expect(r.openai_claude_stream_usage).toBeGreaterThan(0);
  expect(r.openai_no_provider).toBe('NO_PROVIDER');
  expect(r.anthropic_unauthorized).toBe(401);
  // The native path reached the upstream with Dvara's key, never the client's.
  expect(fake.requests.some((q) => q.headers['x-api-key'] === KEY)).toBe(true);
  expect(fake.requests.every((q) => !JSON.stringify(q.headers).includes(gw.key))).toBe(true);
}, 60_000);
