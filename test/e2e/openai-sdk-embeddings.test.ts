// Embeddings, legacy completions and the models endpoints through the gateway with the official openai
// SDK and fetch, against the fake OpenAI upstream and the built-in mock.
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { Completion } from 'openai/resources/completions';
import { api, sseData, type TestGateway } from '../helpers/gateway.ts';
import { floatsToBase64, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { useOpenAISuite } from '../helpers/openai-suite.ts';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

useOpenAISuite((s) => ({ fake, gw, client } = s));

type EmbeddingBody = { object: string; model: string; data: Array<{ object: string; index: number; embedding: number[] | string }>; usage: { prompt_tokens: number; total_tokens: number } };

async function embedFetch(json: Record<string, unknown>): Promise<EmbeddingBody> {
  const res = await api(gw, '/v1/embeddings', { method: 'POST', json });
  expect(res.status).toBe(200);
  return (await res.json()) as EmbeddingBody;
}

/** Little-endian float32 base64 → numbers, as openai-node decodes it. */
function decodeBase64(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
}

describe('embeddings against the OpenAI upstream', () => {
  const inputs: Array<[string, string | string[] | number[] | number[][], number]> = [
    ['a string', 'hello world', 1],
    ['a string array', ['first', 'second', 'third'], 3],
    ['a token array', [15339, 1917, 0], 1],
    ['an array of token arrays', [[1, 2, 3], [4, 5]], 2],
  ];
  for (const [label, input, count] of inputs) {
    test(`${label} is accepted and forwarded unchanged`, async () => {
      const body = await embedFetch({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
      expect(body.object).toBe('list');
      expect(body.data.map((d) => d.index)).toEqual(Array.from({ length: count }, (_, i) => i));
      for (const d of body.data) {
        expect(d.object).toBe('embedding');
        expect(Array.isArray(d.embedding)).toBe(true);
        expect(d.embedding).toHaveLength(8);
      }
      expect(body.usage.prompt_tokens).toBeGreaterThan(0);
      const rec = fake.last()!;
      expect(rec.path).toBe('/v1/embeddings');
      expect(rec.body.input).toEqual(input);
      expect(rec.body.model).toBe('text-embedding-3-small');
      expect(rec.headers.authorization).toBe('Bearer sk-upstream-secret');
    });
  }

  test('dimensions is forwarded and honoured; prefixed model is stripped', async () => {
    const body = await embedFetch({ model: 'openai/text-embedding-3-small', input: 'dims', dimensions: 4, encoding_format: 'float', user: 'u-1' });
    expect(body.data[0]!.embedding).toHaveLength(4);
    expect(fake.last()!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 4, user: 'u-1' });
  });

  test('encoding_format base64 via fetch returns base64 strings of the float vectors', async () => {
    const floats = await embedFetch({ model: 'text-embedding-3-small', input: ['x', 'y'], encoding_format: 'float' });
    const b64 = await embedFetch({ model: 'text-embedding-3-small', input: ['x', 'y'], encoding_format: 'base64' });
    expect(fake.last()!.body.encoding_format).toBe('base64');
    for (const [i, d] of b64.data.entries()) {
      expect(typeof d.embedding).toBe('string');
      expect(d.embedding).toBe(floatsToBase64(floats.data[i]!.embedding as number[]));
      expect(decodeBase64(d.embedding as string)).toEqual(floats.data[i]!.embedding as number[]);
    }
  });

  test('the SDK asks for base64 by default and decodes it to the float values', async () => {
    const viaSdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['sdk one', 'sdk two'] });
    expect(fake.last()!.body.encoding_format).toBe('base64');
    const floats = await embedFetch({ model: 'text-embedding-3-small', input: ['sdk one', 'sdk two'], encoding_format: 'float' });
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding as number[]));
    expect(viaSdk.usage).toEqual(floats.usage);

    const explicit = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'sdk one', encoding_format: 'float', dimensions: 3 });
    expect(fake.last()!.body).toMatchObject({ encoding_format: 'float', dimensions: 3 });
    expect(explicit.data[0]!.embedding).toHaveLength(3);
  });

  test('the SDK accepts token-array inputs too', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: [[10, 20], [30]] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]!.embedding).toHaveLength(8);
    expect(fake.last()!.body.input).toEqual([[10, 20], [30]]);
  });
});

describe('embeddings against the mock', () => {
  test('demo/embed: base64 and float agree, via fetch and the SDK', async () => {
    const input = ['mock vector', 'another'];
    const floats = await embedFetch({ model: 'demo/embed', input, encoding_format: 'float', dimensions: 16 });
    const b64 = await embedFetch({ model: 'demo/embed', input, encoding_format: 'base64', dimensions: 16 });
    expect(floats.model).toBe('embed');
    for (const [i, d] of b64.data.entries()) {
      expect(typeof d.embedding).toBe('string');
      const f = floats.data[i]!.embedding as number[];
      expect(f).toHaveLength(16);
      expect(decodeBase64(d.embedding as string)).toEqual(f);
      // Unit length, like OpenAI's vectors.
      expect(Math.hypot(...f)).toBeCloseTo(1, 5);
    }
    const viaSdk = await client.embeddings.create({ model: 'demo/embed', input, dimensions: 16 });
    expect(viaSdk.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding as number[]));
    expect(fake.requests).toHaveLength(0);
  });
});

describe('legacy completions', () => {
  test('SDK non-stream: text from the fake, model stripped, extra fields forwarded', async () => {
    const { data, response } = await client.completions
      .create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 32, echo: false, suffix: '!' })
      .withResponse();
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]!.text).toBe('Fake completion for: Say this is a test');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 });
    expect(response.headers.get('x-dvara-provider')).toBe('openai');
    expect(response.headers.get('x-dvara-model')).toBe('gpt-3.5-turbo-instruct');
    const rec = fake.last()!;
    expect(rec.path).toBe('/v1/completions');
    expect(rec.body).toMatchObject({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 32, suffix: '!' });
    expect(rec.headers.authorization).toBe('Bearer sk-upstream-secret');
  });

  test('SDK stream: text deltas reassemble, no usage unless asked', async () => {
    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'stream this prompt', stream: true });
    const chunks: Completion[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('Fake completion for: stream this prompt');
    expect(chunks.every((c) => c.object === 'text_completion' && c.choices.length === 1 && c.usage == null)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(fake.last()!.body.stream_options).toEqual({ include_usage: true });
  });

  test('raw SSE stream with include_usage: usage chunk with choices [], then [DONE]', async () => {
    const res = await api(gw, '/v1/completions', {
      method: 'POST',
      json: { model: 'gpt-3.5-turbo-instruct', prompt: 'count me', stream: true, stream_options: { include_usage: true } },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Completion);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
    expect(chunks.filter((c) => c.usage != null)).toHaveLength(1);
    expect(chunks.slice(0, -1).map((c) => c.choices[0]!.text).join('')).toBe('Fake completion for: count me');
  });

  test('raw SSE stream without include_usage has no usage chunk', async () => {
    const res = await api(gw, '/v1/completions', { method: 'POST', json: { model: 'gpt-3.5-turbo-instruct', prompt: 'quiet', stream: true } });
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Completion);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage == null)).toBe(true);
  });

  test('mock completions via the SDK, stream and non-stream agree', async () => {
    const plain = await client.completions.create({ model: 'demo/legacy', prompt: 'Once upon', max_tokens: 50 });
    const text = plain.choices[0]!.text;
    expect(text).toContain('Once upon');
    expect(plain.usage!.total_tokens).toBe(plain.usage!.prompt_tokens + plain.usage!.completion_tokens);
    const stream = await client.completions.create({ model: 'demo/legacy', prompt: 'Once upon', max_tokens: 50, stream: true, stream_options: { include_usage: true } });
    const chunks: Completion[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(text);
    expect(chunks.at(-1)!.usage).toEqual(plain.usage!);
  });
});

describe('models', () => {
  test('SDK models.list lists configured OpenAI models and mock ids', async () => {
    const models: Array<{ id: string; owned_by: string; object: string }> = [];
    for await (const m of client.models.list()) models.push(m);
    const byId = new Map(models.map((m) => [m.id, m]));
    expect(byId.get('gpt-4o')).toMatchObject({ object: 'model', owned_by: 'openai' });
    expect(byId.get('text-embedding-3-small')?.owned_by).toBe('openai');
    expect(byId.get('demo/echo')).toMatchObject({ object: 'model', owned_by: 'demo' });
    expect(byId.get('demo/embed')?.owned_by).toBe('demo');
    expect(new Set(models.map((m) => m.id)).size).toBe(models.length);
    expect(fake.requests).toHaveLength(0);
  });

  for (const [id, owner] of [['openai/gpt-4o', 'openai'], ['gpt-4o', 'openai'], ['demo/some:model', 'demo'], ['demo/echo', 'demo']] as const) {
    test(`models.retrieve(${id})`, async () => {
      const m = await client.models.retrieve(id);
      expect(m).toMatchObject({ id, object: 'model', owned_by: owner });
      expect(typeof m.created).toBe('number');
    });
  }

  test('GET /v1/models/{id} works with an unencoded slash and colon', async () => {
    const res = await api(gw, '/v1/models/demo/some:model');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'demo/some:model', owned_by: 'demo' });
  });

  test('unknown model id → 404 NOT_FOUND (fetch and SDK)', async () => {
    const res = await api(gw, '/v1/models/no-such-model');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; trace_id: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('no-such-model');
    expect(body.error.trace_id).toBe(res.headers.get('x-trace-id')!);

    const err = await client.models.retrieve('nope/unknown').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('NOT_FOUND');
  });

  test('chat with an unroutable model → SDK BadRequestError with code NO_PROVIDER', async () => {
    const err = await client.chat.completions.create({ model: 'mystery-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('NO_PROVIDER');
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('model');
    expect(fake.requests).toHaveLength(0);
  });
});
