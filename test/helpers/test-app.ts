// Builds the real app (buildApp + services + the embedded queue) over a fresh temporary DATA_DIR,
// plus fixtures the API tests share: a tiny classifier whose weights make its predictions known.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/api/app.js';
import { createServices } from '../../src/api/services.js';
import { loadConfig } from '../../src/config.js';
import { encodeSafetensors } from '../../src/engine/index.js';
import { createQueue } from '../../src/queue/index.js';
import type { TrainingQueue } from '../../src/queue/types.js';
import type { JobStore } from '../../src/storage/job-store.js';

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Rate limits, the per-client job cap and the overload 503 switched off: most tests are about what a
 * request contains, not how many arrive or how busy the machine is (test/api/limits.test.ts and
 * test/api/load-shedding.test.ts turn them on).
 */
export const LIMITS_OFF: Record<string, string> = {
  RATE_LIMIT_JOBS_PER_MINUTE: '0',
  RATE_LIMIT_PREDICT_PER_MINUTE: '0',
  MAX_ACTIVE_JOBS_PER_CLIENT: '0',
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
};

/**
 * Builds the app; `makeQueue` replaces the embedded queue (e.g. a recording queue that never trains),
 * `inject` adds injected dependencies (e.g. the event-loop delay the load shedding reads).
 */
export async function createTestApp<Q extends TrainingQueue = TrainingQueue>(
  env: Record<string, string> = {},
  makeQueue?: (jobs: JobStore) => Q,
  inject: Pick<AppDeps, 'eventLoopDelayMs'> = {},
): Promise<TestApp & { queue: Q }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-api-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PREDICT_THREADS: '1', ...LIMITS_OFF, ...env });
  const services = await createServices(config);
  const queue = makeQueue ? makeQueue(services.deps.jobs) : ((await createQueue(config, { jobs: services.deps.jobs })) as Q);
  const deps: AppDeps = { ...services.deps, queue, ...inject };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    queue,
    dataDir,
    async close() {
      await app.close();
      await queue.close();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Files under DATA_DIR/<sub> (ignoring temp files): "nothing was stored" checks use it. */
export async function storedFiles(dataDir: string, sub: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, sub))).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** Input [2] -> dense(2, softmax) with identity weights: softmax(x), so argmax(x) is the class. */
export const identitySpec = {
  input: [2],
  layers: [{ type: 'dense', units: 2, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
};

export function identityWeights(scale = 1): Uint8Array {
  return encodeSafetensors([
    ['layers.0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([scale, 0, 0, scale]) }],
    ['layers.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) }],
  ]);
}

export function expectError(body: unknown, status: number, code: string, actualStatus: number): void {
  const error = (body as { error?: Record<string, unknown> }).error;
  if (actualStatus !== status || !error || error.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${actualStatus} ${JSON.stringify(body)}`);
  }
  for (const key of ['message', 'details', 'requestId']) {
    if (!(key in error)) throw new Error(`error body lacks ${key}: ${JSON.stringify(body)}`);
  }
  if (!Array.isArray(error.details)) throw new Error('details is not an array');
}
