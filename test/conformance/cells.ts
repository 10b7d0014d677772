// One bun test per matrix cell, so a client that fails shows up red with its own error. A client program
// (Python, Node or Java) runs every check of the guide it can, catching each failure, and prints one JSON object
// `{"<capability> · <provider>": {"ok": true} | {"ok": false, "error": "..."}}`; each cell's test then asserts
// its entry. Names are the contract with scripts/conformance-report.ts, which builds docs/compatibility.md:
//   describe: "<language> · <package>@<version>"   (e.g. "python · openai@3.57.0", "java · langchain4j-open-ai@1.0.0-beta1 (guide)")
//   test:     "<capability> · <provider>"         (capabilities: CAPABILITIES; providers: PROVIDERS or "any")
import { expect, test } from 'bun:test';

export const CAPABILITIES = ['chat', 'stream', 'structured output', 'tools', 'embeddings', 'headers', 'errors', 'responses', 'agents'] as const;
export const PROVIDERS = ['openai', 'anthropic', 'gemini', 'bedrock', 'qwen', 'qianfan', 'zhipu', 'deepseek', 'moonshot', 'any'] as const;

export type Capability = (typeof CAPABILITIES)[number];
export type Provider = (typeof PROVIDERS)[number];
export type Cell = `${Capability} · ${Provider}`;

export interface CheckResult {
  ok: boolean;
  error?: string;
}
export type Results = Record<string, CheckResult>;

/**
 * Runs a client program to completion; its stdout's last line is the results object. A program that crashes
 * before printing fails every cell with its own stderr.
 */
export async function runClient(cmd: string[], env: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Results | string> {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, cwd: opts.cwd, stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  const last = out.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Results;
  } catch {
    return `client exited ${code} without results: ${(err || out).slice(-3000)}`;
  }
}

/** Registers one test per cell; `results()` is filled in by the file's beforeAll. */
export function cellTests(cells: readonly Cell[], results: () => Results | string | undefined): void {
  for (const cell of cells) {
    test(cell, () => {
      const r = results();
      if (r === undefined) throw new Error('the client did not run (see beforeAll)');
      if (typeof r === 'string') throw new Error(r);
      const c = r[cell];
      if (!c) throw new Error(`the client reported nothing for "${cell}"`);
      expect(c.ok ? 'ok' : c.error).toBe('ok');
    });
  }
}
