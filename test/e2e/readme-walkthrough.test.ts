// The README's curl walk-through, extracted from README.md and run verbatim with bash against a real
// `node dist/server.js` (embedded mode, fresh DATA_DIR). If the README drifts from the service, this fails.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectWalkthroughOutput, runWalkthrough } from '../helpers/readme-walkthrough.js';
import { startServer, type ServiceProcess } from '../helpers/service-process.js';

describe('README walk-through', () => {
  let dataDir: string;
  let server: ServiceProcess & { baseUrl: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-readme-data-'));
    server = await startServer({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs verbatim: trains XOR, predicts its truth table and serves weights matching their sha256', async () => {
    expectWalkthroughOutput(await runWalkthrough(server.baseUrl));
  }, 180_000);
});
