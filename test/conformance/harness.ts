// The gateway every conformance client talks to, set up the way a user would: the compiled binary
// (dist/dvara, built if missing), a config whose providers point at the project's faithful local fakes,
// and a tenant and key made with `dvara tenants add` and `dvara keys create --json`. One gateway per test
// file; fakes record what each client's requests turned into upstream.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.ts';
import { EXAMPLE_CREDENTIALS, startFakeBedrock, type FakeBedrock } from '../fakes/bedrock-upstream.ts';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-upstream.ts';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.ts';
import { childEnv, freePort, ROOT, run } from '../cli/run.ts';

export const BINARY = join(ROOT, 'dist', 'dvara');

export interface ConformanceGateway {
  /** http://127.0.0.1:PORT (no /v1). */
  url: string;
  /** `${url}/v1`, what OpenAI clients take as their base URL. */
  baseURL: string;
  /** A key made with `dvara keys create --json`. */
  key: string;
  fakes: { openai: FakeUpstream; anthropic: FakeAnthropic; gemini: FakeGemini; bedrock: FakeBedrock };
  /** The gateway's stderr so far (for failing tests' messages). */
  logs(): string;
  stop(): Promise<void>;
}

/** The guide's model names and where each one lands (the fakes answer any of them). */
export const GUIDE_MODELS = {
  openai: 'gpt-4o',
  anthropic: 'claude-sonnet-4-20250514',
  gemini: 'gemini-2.0-flash',
  bedrock: 'bedrock/anthropic.claude-3-sonnet-20240229-v1:0',
  qwen: 'qwen-plus',
  qianfan: 'ernie-4.0',
  zhipu: 'glm-4',
  deepseek: 'deepseek-chat',
  moonshot: 'moonshot-v1-8k',
  embeddings: 'text-embedding-3-small',
} as const;

function config(f: ConformanceGateway['fakes'], dbPath: string): string {
  const [akid, secret] = Object.entries(EXAMPLE_CREDENTIALS)[0]!;
  const compatible = (type: string) => `{ type: ${type}, api_key: sk-${type}-fake, base_url: "${f.openai.url}/v1" }`;
  return `
server: { host: 127.0.0.1 }
store: "sqlite:${dbPath}"
providers:
  openai: ${compatible('openai')}
  anthropic: { type: anthropic, api_key: sk-ant-fake, base_url: "${f.anthropic.url}" }
  gemini: { type: gemini, api_key: AIzaConformanceFake, base_url: "${f.gemini.url}" }
  bedrock: { type: bedrock, region: us-east-1, access_key_id: ${akid}, secret_access_key: "${secret}", base_url: "${f.bedrock.url}" }
  qwen: ${compatible('qwen')}
  qianfan: ${compatible('qianfan')}
  zhipu: ${compatible('zhipu')}
  deepseek: ${compatible('deepseek')}
  moonshot: ${compatible('moonshot')}
`;
}

/** The newest modification time under src/ (a binary older than that is stale). */
function newestSource(): number {
  let newest = 0;
  for (const f of new Bun.Glob('src/**/*.ts').scanSync({ cwd: ROOT })) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

/** CI builds the binary before the tests; locally it is rebuilt when the sources changed since. */
async function ensureBinary(): Promise<void> {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= newestSource()) return;
  const r = await run([process.execPath, join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`npm run build failed: ${r.stderr.slice(-1000)}`);
}

async function cli(args: string[]): Promise<string> {
  const r = await run([BINARY, ...args], { timeoutMs: 30_000, env: childEnv() });
  if (r.code !== 0) throw new Error(`dvara ${args.join(' ')} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function waitReady(url: string, proc: Subprocess, logs: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`dvara serve exited ${proc.exitCode}: ${logs()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`dvara serve did not become ready: ${logs()}`);
}

export async function startConformanceGateway(): Promise<ConformanceGateway> {
  await ensureBinary();
  const fakes = {
    openai: await startFakeOpenAI(),
    anthropic: await startFakeAnthropic(),
    gemini: await startFakeGemini(),
    bedrock: await startFakeBedrock(),
  };
  const dir = mkdtempSync(join(tmpdir(), 'dvara-conformance-'));
  const cfg = join(dir, 'dvara.yaml');
  writeFileSync(cfg, config(fakes, join(dir, 'dvara.db')));
  await cli(['tenants', 'add', 'conformance', '-c', cfg]);
  const created = JSON.parse(await cli(['keys', 'create', '--tenant', 'conformance', '--name', 'conformance', '--json', '-c', cfg])) as { secret?: string; key?: string };
  const key = created.secret ?? created.key;
  if (!key?.startsWith('mk-')) throw new Error(`keys create --json gave no key: ${JSON.stringify(created)}`);

  const port = await freePort();
  const proc = Bun.spawn([BINARY, 'serve', '-c', cfg, '--port', String(port)], { env: childEnv(), stdout: 'pipe', stderr: 'pipe' });
  let stderr = '';
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk);
  })();
  void new Response(proc.stdout as ReadableStream<Uint8Array>).text();
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, proc, () => stderr);
  return {
    url,
    baseURL: `${url}/v1`,
    key,
    fakes,
    logs: () => stderr,
    async stop() {
      proc.kill('SIGTERM');
      await proc.exited;
      await Promise.all(Object.values(fakes).map((f) => f.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
