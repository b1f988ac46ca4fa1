// The README's curl walk-through, extracted from README.md and run verbatim with bash, and the output
// the README promises. Run against a local server (test/e2e) and against the compose stack (test/docker).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);

async function walkthroughScript(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!section) throw new Error('README.md has no walkthrough block between the markers');
  return section[1];
}

/** Runs the walk-through in a scratch directory against `base` (env: e.g. KEY); resolves with its stdout. */
export async function runWalkthrough(base: string, env: Record<string, string> = {}): Promise<string> {
  const script = await walkthroughScript();
  const workDir = await mkdtemp(join(tmpdir(), 'nn-readme-cwd-'));
  try {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', BASE: base, ...env },
      timeout: 150_000, // a hang guard for the script's curl calls, not a speed limit
    });
    return stdout;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** What the README says the walk-through prints: XOR trained, its truth table, weights matching their sha256, its curves as an SVG. */
export function expectWalkthroughOutput(stdout: string): void {
  expect(stdout).toMatch(/^dataset [0-9a-f-]{36}$/m);
  expect(stdout).toMatch(/^job [0-9a-f-]{36}$/m);
  expect(stdout).toMatch(/event: snapshot/);
  expect(stdout).toMatch(/event: state/);
  expect(stdout).toMatch(/^succeeded after 200 epochs/m);
  expect(stdout).toMatch(/^curves\.svg: 2 curves$/m); // loss and accuracy: no validation data
  expect(stdout).toContain('{"classes":[0,1,1,0],"classNames":["same","different","different","same"]}');
  const hashes = stdout.trim().split('\n').slice(-2);
  const served = hashes[0].trim();
  expect(served).toMatch(/^[0-9a-f]{64}$/);
  expect(hashes[1]).toBe(`${served}  xor.safetensors`);
}
