import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { EXAMPLE_CREDENTIALS, startFakeBedrock, type FakeBedrock } from '../fakes/bedrock-upstream.ts';
import { pythonWithSdks } from '../helpers/python.ts';

// Confirms the fake Bedrock speaks the real protocol: the official boto3 client (pinned in
// test/python/requirements.txt) signs with botocore's own SigV4 and decodes the event stream with botocore's own
// parser, so a signing-rule or framing mistake in the fake fails here even if our own tests agree with it.
let fake: FakeBedrock;
let python: string;

beforeAll(async () => {
  const py = await pythonWithSdks();
  if ('reason' in py) throw new Error(`cannot run the boto3 test: ${py.reason}`);
  python = py.python;
  fake = await startFakeBedrock();
}, 240_000);

afterAll(async () => {
  await fake?.stop();
});

async function runScript(scenario = ''): Promise<any> {
  const p = Bun.spawn([python, join(import.meta.dir, '..', 'python', 'boto3_fake_bedrock.py')], {
    env: { ...process.env, BEDROCK_URL: fake.url, AWS_KEY: 'AKIDEXAMPLE', AWS_SECRET: EXAMPLE_CREDENTIALS.AKIDEXAMPLE, SCENARIO: scenario },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(code === 0 ? 0 : `${code}: ${err.slice(-2000)}`).toBe(0);
  return JSON.parse(out);
}

test('boto3 bedrock-runtime: converse, tools, converse_stream and invoke_model against the fake', async () => {
  const r = await runScript();

  expect(r.converse).toMatchObject({ text: 'You said: Hello from boto3', stopReason: 'end_turn' });
  expect(r.converse.usage.outputTokens).toBe(6); // five words + 1

  expect(r.tool).toMatchObject({ stopReason: 'tool_use', name: 'get_weather' });
  expect(typeof r.tool.input.city).toBe('string');
  expect(r.tool.id).toMatch(/^tooluse_/);
  expect(r.tool_result_text).toBe('Tool results: 18C and sunny');

  const events = r.stream.events as string[];
  expect(events[0]).toBe('messageStart');
  expect(events.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
  expect(events.filter((e) => e === 'contentBlockDelta').length).toBeGreaterThan(1);
  expect(r.stream.text).toBe('You said: Hello from boto3');
  expect(r.stream.stopReason).toBe('end_turn');
  expect(r.stream.usage.totalTokens).toBe(r.stream.usage.inputTokens + r.stream.usage.outputTokens);

  expect(r.stream_tool.events.slice(0, 2)).toEqual(['messageStart', 'contentBlockStart']);
  expect(typeof r.stream_tool.input.city).toBe('string');

  expect(r.embedding).toEqual({ dims: 256, tokens: 3, header_tokens: '3' });

  expect(r.errors.validation).toEqual([
    'ValidationException', 'The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.', 400,
  ]);
  expect(r.errors.signature).toEqual(['InvalidSignatureException', 403]);

  // botocore signed every request itself; the fake saw the model id percent-encoded on the wire.
  expect(fake.requests.every((q) => q.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/'))).toBe(true);
  expect(fake.requests.some((q) => q.path === '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream')).toBe(true);
}, 60_000);

test('boto3 raises the scripted in-stream exception with its type and message', async () => {
  fake.scriptStream([['messageStart', { role: 'assistant' }], ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }]], {
    exception: { type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' },
  });
  const r = await runScript('stream_exception');
  expect(r.events).toEqual(['messageStart', 'contentBlockDelta']);
  expect(r.error).toEqual(['EventStreamError', 'throttlingException', 'Too many tokens, please wait before trying again.']);
}, 60_000);
