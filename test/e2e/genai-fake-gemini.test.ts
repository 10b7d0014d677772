import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';
import { pythonWithSdks } from '../helpers/python.ts';

// Confirms the fake Gemini upstream speaks the real protocol: Google's own google-genai SDK (pinned in
// test/python/requirements.txt) must be able to call it — generate (text, tools, JSON mode), stream,
// embed, automatic function calling on Gemini 3 (signatures replayed), Vertex AI mode — and the requests
// the SDK makes must pass the fake's validation unchanged.
const KEY = 'AIza-genai-test';
const TOKEN = 'ya29.genai-test';
let fake: FakeGemini;
let python: string;

beforeAll(async () => {
  const py = await pythonWithSdks();
  if ('reason' in py) throw new Error(`cannot run the Python SDK tests: ${py.reason}`);
  python = py.python;
  fake = await startFakeGemini({ apiKey: KEY, vertexToken: TOKEN });
}, 240_000);

afterAll(async () => {
  await fake?.stop();
});

test('the google-genai SDK works against the fake Gemini upstream', async () => {
  const p = Bun.spawn([python, join(import.meta.dir, '..', 'python', 'genai_fake_gemini.py')], {
    env: { ...process.env, GEMINI_URL: fake.url, GEMINI_KEY: KEY, VERTEX_TOKEN: TOKEN },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(code === 0 ? code : `${code}: ${err.slice(-1500)}`).toBe(0);
  const r = JSON.parse(out) as Record<string, any>;

  expect(r.text).toBe('You said: Hello from the SDK');
  const [prompt, candidates, thoughts, total] = r.usage as number[];
  expect(prompt! > 0 && candidates === 7 && thoughts! > 0).toBe(true);
  expect(total).toBe(prompt! + candidates! + thoughts!);
  expect(r.finish).toBe('STOP');
  expect(r.calls).toEqual([{ name: 'get_weather', args: { city: 'example' } }]);
  expect(r.after_tool).toBe('Tool results: 18C');
  // The SDK sends propertyOrdering for pydantic models, so keys come back in declaration order.
  expect(r.json_parsed).toEqual({ name: 'example', age: 1 });
  expect(JSON.parse(r.json_schema_text)).toEqual({ name: 'example', age: 1 });
  expect(r.stream_text).toBe('You said: Stream me a few words');
  expect(r.stream_usage).toBeGreaterThan(0);
  expect(r.thought_parts).toEqual([true, false]);
  expect(r.afc_text).toBe('Tool results: 18C in example');
  expect(r.embed_one).toEqual([768]);
  expect(r.embed_several).toEqual([16, 16, 16]);
  expect(r.v1beta_text).toBe('You said: beta');
  expect(r.bad_key).toEqual([400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.']);
  expect(r.both_params).toBe(400);
  expect(r.vertex_text).toBe('You said: Hello Vertex');

  // What the SDK actually sends: /v1 by default, the key in x-goog-api-key, camelCase on the outside but
  // snake_case inside some objects, batchEmbedContents even for one text, Vertex under /v1beta1 with a bearer.
  const paths = fake.requests.map((q) => q.path + q.search);
  expect(paths).toContain('/v1/models/gemini-2.5-flash:generateContent');
  expect(paths).toContain('/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  expect(paths).toContain('/v1/models/text-embedding-004:batchEmbedContents');
  expect(paths).toContain('/v1beta/models/gemini-2.0-flash:generateContent');
  expect(paths).toContain('/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
  expect(fake.requests.filter((q) => !q.path.includes('/projects/')).every((q) => q.headers['x-goog-api-key'] !== undefined)).toBe(true);
  expect(fake.requests.find((q) => q.path.includes('/projects/'))!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  const bodies = fake.requests.map((q) => q.rawBody).join('\n');
  expect(bodies).toContain('"include_thoughts": true');
  expect(bodies).toContain('"property_ordering"');
  expect(bodies).toContain('"parameters_json_schema"');
  expect(bodies).toContain('"thoughtSignature"');
}, 120_000);
