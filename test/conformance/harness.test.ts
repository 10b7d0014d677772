// The harness itself: the compiled binary serves the guide's model names for a key the CLI made, each reaching
// its provider's fake.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GUIDE_MODELS, startConformanceGateway, type ConformanceGateway } from './harness.ts';

let gw: ConformanceGateway;
beforeAll(async () => {
  gw = await startConformanceGateway();
}, 180_000);
afterAll(async () => {
  await gw?.stop();
});

describe('conformance gateway', () => {
  for (const [provider, model] of Object.entries(GUIDE_MODELS)) {
    if (provider === 'embeddings') continue;
    test(`${model} answers through ${provider}`, async () => {
      const res = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }),
      });
      expect(res.status === 200 ? 200 : `${res.status} ${await res.text()}`).toBe(200);
      expect(res.headers.get('x-dvara-provider')).toBe(provider);
    });
  }
});
