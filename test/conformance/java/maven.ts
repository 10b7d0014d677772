// Runs the Java conformance programs (one Maven project per client library and version, in this folder) against
// a conformance gateway, and checks what their requests turned into upstream. Each program is a plain main
// class run with `mvn compile exec:java`; it prints the results object as its last stdout line (cells.ts).
// Maven's local repository is node_modules/.cache/m2: the first run downloads the dependencies (once per
// clean clone), later runs reuse them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUIDE_MODELS, type ConformanceGateway } from '../harness.ts';
import { runClient, type Results } from '../cells.ts';
import { ROOT } from '../../cli/run.ts';

export const M2_REPO = join(ROOT, 'node_modules', '.cache', 'm2');

export interface JavaProject {
  /** The folder under test/conformance/java/. */
  name: string;
  dir: string;
  /** The client library's version, read from the pom's <property> so the describe name cannot drift. */
  version: string;
}

export function javaProject(name: string, versionProperty: string): JavaProject {
  const dir = join(import.meta.dir, name);
  const pom = readFileSync(join(dir, 'pom.xml'), 'utf8');
  const version = new RegExp(`<${versionProperty.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1];
  if (!version) throw new Error(`${name}/pom.xml has no <${versionProperty}>`);
  return { name, dir, version };
}

/** One request a fake upstream received, from whichever fake. */
interface Seen {
  fake: keyof ConformanceGateway['fakes'];
  /** Path (URL-decoded) and raw body: where the model name and the prompt show up in every wire format. */
  text: string;
  headers: Record<string, string>;
  body: any;
}

/**
 * Runs one project's program against `gw` with the fakes' recordings cleared first, then fails any cell the
 * program passed whose upstream evidence is missing (see `Evidence`). Returns the results, or the reason the
 * program gave none.
 */
export async function runJava(project: JavaProject, gw: ConformanceGateway, evidence: Evidence): Promise<Results | string> {
  if (!Bun.which('mvn')) return 'Maven (mvn) is not on PATH: the Java conformance programs need Maven and a JDK 17+';
  for (const fake of Object.values(gw.fakes)) fake.reset();
  const started = performance.now();
  const results = await runClient(
    ['mvn', '-B', '-q', '-Dstyle.color=never', `-Dmaven.repo.local=${M2_REPO}`, 'compile', 'exec:java'],
    // DVARA_BASE_URL is what the guide calls http://localhost:8080/v1. MERIDIAN_API_KEY is the variable the
    // guide's Spring AI application.yml reads the key from.
    { DVARA_BASE_URL: gw.baseURL, DVARA_KEY: gw.key, MERIDIAN_API_KEY: gw.key },
    { cwd: project.dir, timeoutMs: 840_000 },
  );
  console.error(`[java] ${project.name}: mvn compile exec:java took ${((performance.now() - started) / 1000).toFixed(1)}s`);
  if (typeof results === 'string') return `${results}\n--- gateway log ---\n${gw.logs().slice(-2000)}`;
  const seen: Seen[] = (Object.keys(gw.fakes) as Array<keyof ConformanceGateway['fakes']>).flatMap((fake) =>
    gw.fakes[fake].requests.map((r) => ({ fake, text: `${safeDecode(r.path)} ${r.rawBody}`, headers: r.headers, body: r.body })));
  for (const [cell, result] of Object.entries(results)) {
    if (!result.ok) continue;
    const problem = evidence(cell, seen);
    if (problem) results[cell] = { ok: false, error: `the client reported success, but upstream: ${problem}` };
  }
  return results;
}

/** For a cell the client passed: undefined when the fakes' recordings back it up, else what is missing. */
export type Evidence = (cell: string, seen: Seen[]) => string | undefined;

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const FAKE_OF: Record<string, keyof ConformanceGateway['fakes']> = { anthropic: 'anthropic', gemini: 'gemini', bedrock: 'bedrock' };

/**
 * The provider's fake received a request for the provider's guide model whose body contains `prompt`: proof that
 * the client's choice of model (e.g. through OpenAiChatOptions) reached the right provider with the question.
 */
export function reachedProvider(seen: Seen[], provider: string, prompt: string): string | undefined {
  const model = GUIDE_MODELS[provider as keyof typeof GUIDE_MODELS];
  if (!model) return undefined;
  const fake = FAKE_OF[provider] ?? 'openai';
  const id = model.replace(/^bedrock\//, '');
  const hits = seen.filter((s) => s.fake === fake && s.text.includes(id) && s.text.includes(prompt));
  return hits.length > 0 ? undefined : `no request for ${id} containing "${prompt}" reached the ${fake} fake (it saw ${seen.filter((s) => s.fake === fake).length} requests)`;
}

/** A cell name's provider ("chat · gemini" → "gemini"). */
export function providerOf(cell: string): string {
  return cell.split(' · ')[1] ?? '';
}
