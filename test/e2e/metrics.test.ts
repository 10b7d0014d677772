// GET /metrics: Prometheus text that the reference parser (Python's prometheus_client) reads, with the documented
// series after traffic, bounded labels, and no secrets.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { pythonWithSdks } from '../helpers/python.ts';

let gw: TestGateway;
let python: string;

beforeAll(async () => {
  const py = await pythonWithSdks();
  if ('reason' in py) throw new Error(`cannot run the Prometheus parser: ${py.reason}`);
  python = py.python;
  gw = await startTestGateway('providers:\n  demo: { type: mock }\n');
}, 240_000);
afterAll(async () => {
  await gw?.stop();
});

const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    out[fam.name] = {"type": fam.type, "samples": [[s.name, s.labels, s.value] for s in fam.samples]}
print(json.dumps(out))
`;

test('after traffic, /metrics parses and has the documented series', async () => {
  for (let i = 0; i < 3; i++) await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] } });
  const streamed = await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }], stream: true } });
  await streamed.text();
  await api(gw, '/v1/chat/completions', { method: 'POST', json: { model: 'unknown-model-x', messages: [{ role: 'user', content: 'hi' }] } });
  await Bun.sleep(20);
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const p = Bun.spawn([python, '-c', PARSE], { stdin: new TextEncoder().encode(text), stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(code === 0 ? 0 : err).toBe(0);
  const families = JSON.parse(out) as Record<string, { type: string; samples: Array<[string, Record<string, string>, number]> }>;
  for (const name of ['dvara_requests', 'dvara_request_duration_seconds', 'dvara_time_to_first_token_seconds', 'dvara_tokens', 'dvara_in_flight_requests', 'dvara_usage_queue_depth', 'dvara_usage_spilled_rows']) {
    expect(Object.keys(families)).toContain(name);
  }
  const ok = families.dvara_requests!.samples.find(([, l]) => l.model === 'demo/echo' && l.status === '200');
  expect(ok?.[2]).toBe(4);
  expect(families.dvara_requests!.samples.some(([, l]) => l.code === 'NO_PROVIDER' && l.status === '400')).toBe(true);
  expect(families.dvara_tokens!.samples.some(([, l, v]) => l.kind === 'prompt' && l.tenant === 'test' && v > 0)).toBe(true);
  expect(families.dvara_in_flight_requests!.samples[0]![2]).toBe(0);
  expect(text).not.toContain(gw.key);
});
