// Base URLs that disagree with the guide still work: Spring AI appends /v1/chat/completions to a base URL that
// already ends in /v1, and some clients leave /v1 out. Both reach the same endpoints.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('providers:\n  demo: { type: mock }\n');
});
afterAll(async () => {
  await gw?.stop();
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...init.headers } });
const chat = (path: string) => call(path, { method: 'POST', body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }) });

test('/v1/v1/chat/completions (Spring AI with base-url .../v1) and /chat/completions answer like /v1/chat/completions', async () => {
  for (const path of ['/v1/chat/completions', '/v1/v1/chat/completions', '/chat/completions']) {
    const res = await chat(path);
    expect([path, res.status]).toEqual([path, 200]);
    expect(((await res.json()) as any).object).toBe('chat.completion');
  }
});

test('embeddings, models and a model by id under both prefixes', async () => {
  for (const path of ['/v1/v1/embeddings', '/embeddings']) {
    const res = await call(path, { method: 'POST', body: JSON.stringify({ model: 'demo/embed', input: 'x' }) });
    expect([path, res.status]).toEqual([path, 200]);
  }
  for (const path of ['/v1/v1/models', '/models', '/v1/v1/models/demo/echo', '/models/demo/echo']) {
    const res = await call(path);
    expect([path, res.status]).toEqual([path, 200]);
  }
  expect(((await (await call('/v1/v1/models/demo/echo')).json()) as any).id).toBe('demo/echo');
});

test('other unknown paths are still 404 NOT_FOUND', async () => {
  const res = await call('/v1/v1/nope');
  expect(res.status).toBe(404);
  expect(((await res.json()) as any).error.code).toBe('NOT_FOUND');
  expect((await call('/v2/chat/completions', { method: 'POST', body: '{}' })).status).toBe(404);
});
