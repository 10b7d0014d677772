import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const REQUIREMENTS = join(ROOT, 'test', 'python', 'requirements.txt');

/**
 * A venv with the pinned SDKs of a requirements file (default test/python/requirements.txt), built once and reused (keyed by the file's
 * hash, under node_modules/.cache so a fresh clone builds it). Returns the venv's python, or the reason it
 * could not be built (no python3, no package index).
 */
export async function pythonWithSdks(requirements: string = REQUIREMENTS): Promise<{ python: string } | { reason: string }> {
  const hash = new Bun.CryptoHasher('sha256').update(await Bun.file(requirements).text()).digest('hex').slice(0, 12);
  const dir = join(ROOT, 'node_modules', '.cache', `dvara-py-${hash}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(join(dir, '.ready'))) return { python };
  mkdirSync(dir, { recursive: true });
  const run = (cmd: string[]) => Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' });
  const venv = run(['python3', '-m', 'venv', dir]);
  if (venv.exitCode !== 0) return { reason: `python3 -m venv failed: ${venv.stderr.toString().trim().slice(-300)}` };
  const pip = run([python, '-m', 'pip', 'install', '-q', '-r', requirements]);
  if (pip.exitCode !== 0) return { reason: `pip install failed: ${pip.stderr.toString().trim().slice(-300)}` };
  await Bun.write(join(dir, '.ready'), new Date().toISOString());
  return { python };
}
