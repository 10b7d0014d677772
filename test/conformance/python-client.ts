// The Python part of the conformance matrix: each test file names a pinned requirements file and a client program
// under test/conformance/python/; this builds the venv (cached by test/helpers/python.ts), starts a conformance
// gateway, runs the program against it and registers one test per cell (cells.ts).
import { afterAll, beforeAll, describe } from 'bun:test';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pythonWithSdks } from '../helpers/python.ts';
import { cellTests, runClient, type Cell, type Results } from './cells.ts';
import { startConformanceGateway, type ConformanceGateway } from './harness.ts';

export const PYTHON_DIR = join(import.meta.dir, 'python');
/** The newest releases on which the guide's LangChain and Pydantic AI code runs as written. */
export const GUIDE_REQUIREMENTS = join(PYTHON_DIR, 'requirements-guide.txt');
/** The newest release of every client. */
export const LATEST_REQUIREMENTS = join(PYTHON_DIR, 'requirements-latest.txt');

/** The version a requirements file pins for a package (`name==x.y.z` or `name[extra]==x.y.z`). */
export function pinned(requirements: string, pkg: string): string {
  for (const line of readFileSync(requirements, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s#;]+)/.exec(line);
    if (m && m[1]!.toLowerCase() === pkg.toLowerCase()) return m[2]!;
  }
  throw new Error(`${basename(requirements)} pins no ${pkg}`);
}

export interface PythonClient {
  /** `describe` name: "python · <package>@<version>" (+ " (guide)" / " (latest)"). */
  name: string;
  requirements: string;
  /** A program in test/conformance/python/. */
  script: string;
  cells: readonly Cell[];
  /** Extra environment for the program, e.g. the variables of the guide's "environment variable approach". */
  env?: (gw: ConformanceGateway) => Record<string, string>;
}

/** One describe: beforeAll builds the venv, starts a gateway and runs the program; one test per cell. */
export function pythonClientCells(client: PythonClient): void {
  describe(client.name, () => {
    let gw: ConformanceGateway | undefined;
    let results: Results | string | undefined;

    beforeAll(async () => {
      const py = await pythonWithSdks(client.requirements);
      if ('reason' in py) {
        results = `cannot build the venv of ${basename(client.requirements)}: ${py.reason}`;
        return;
      }
      gw = await startConformanceGateway();
      const env = {
        DVARA_URL: gw.url,
        DVARA_BASE_URL: gw.baseURL,
        DVARA_KEY: gw.key,
        PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the source tree
        PYTHONIOENCODING: 'utf-8',
        LITELLM_LOCAL_MODEL_COST_MAP: 'True', // LiteLLM's bundled price map, not a fetch CI cannot make
        ...client.env?.(gw),
      };
      results = await runClient([py.python, join(PYTHON_DIR, client.script)], env, { cwd: PYTHON_DIR, timeoutMs: 300_000 });
      if (typeof results === 'string') results += `\n--- gateway log ---\n${gw.logs().slice(-2000)}`;
    }, 600_000);

    afterAll(async () => {
      await gw?.stop();
    });

    cellTests(client.cells, () => results);
  });
}

/** Every `<capability> · <provider>` cell for the given capabilities and providers. */
export function cellsOf(capabilities: readonly string[], providers: readonly string[]): Cell[] {
  return capabilities.flatMap((c) => providers.map((p) => `${c} · ${p}` as Cell));
}
