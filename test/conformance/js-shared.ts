// What the JavaScript conformance files share: the installed version of a client package (read at run time, so
// the describe names stay true when versions change), the describe name the docs generator reads, one gateway
// per file, and a failure message that carries the gateway's log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'bun:test';
import { ROOT } from '../cli/run.ts';
import { GUIDE_MODELS, startConformanceGateway, type ConformanceGateway } from './harness.ts';

/** The package's own name and version, as installed under `dir` (an npm alias keeps the real name inside). */
export function installed(dir: string): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', dir, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** "javascript · <package>@<version>", plus " (guide)" / " (latest)" when two versions of one package are tested. */
export function suiteName(dir: string, tag?: 'guide' | 'latest'): string {
  const { name, version } = installed(dir);
  return `javascript · ${name}@${version}${tag ? ` (${tag})` : ''}`;
}

/** The providers of the guide's chat models, in the guide's order (no embeddings). */
export const CHAT_PROVIDERS = (Object.keys(GUIDE_MODELS) as Array<keyof typeof GUIDE_MODELS>).filter((p) => p !== 'embeddings') as Array<
  Exclude<keyof typeof GUIDE_MODELS, 'embeddings'>
>;

/** The providers whose tools and structured output every client must handle. */
export const CORE_PROVIDERS = ['openai', 'anthropic', 'gemini', 'bedrock'] as const;

/** One gateway for the whole file, started before its tests and stopped after them. */
export function useGateway(): () => ConformanceGateway {
  let gw: ConformanceGateway | undefined;
  beforeAll(async () => {
    gw = await startConformanceGateway();
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });
  return () => {
    if (!gw) throw new Error('the conformance gateway did not start (see beforeAll)');
    return gw;
  };
}

/** Wraps a cell so that a failure also shows the tail of the gateway's log. */
export async function withLogs(gw: () => ConformanceGateway, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const logs = gw().logs().trim();
    if (logs && err instanceof Error) err.message += `\n--- gateway log (tail) ---\n${logs.slice(-2000)}`;
    throw err;
  }
}
