// The README's curl walk-through, extracted from README.md and run verbatim with bash against a real
// `node dist/server.js` (embedded mode, fresh DATA_DIR). If the README drifts from the service, this fails.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServiceProcess } from '../helpers/service-process.js';

const run = promisify(execFile);

async function walkthroughScript(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!section) throw new Error('README.md has no walkthrough block between the markers');
  return section[1];
}

describe('README walk-through', () => {
  let dataDir: string;
  let workDir: string;
  let server: ServiceProcess & { baseUrl: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-readme-data-'));
    workDir = await mkdtemp(join(tmpdir(), 'nn-readme-cwd-'));
    server = await startServer({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs verbatim: trains XOR, predicts its truth table and serves weights matching their sha256', async () => {
    const script = await walkthroughScript();
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', BASE: server.baseUrl },
      timeout: 60_000,
    });
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
  });
});
