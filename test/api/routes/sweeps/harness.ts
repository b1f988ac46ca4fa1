// The sweep acceptance tests run against both modes: the real app on the embedded queue (training
// threads), and the real app on BullMQ (real Redis under a private prefix) with an in-process worker.

import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startTrainingWorker, type TrainingWorker } from '../../../../src/queue/bullmq-worker.js';
import { NO_LIMITS } from '../../../../src/training/runtime.js';
import { deleteKeys, TEST_REDIS_URL } from '../../../helpers/redis.js';
import { createTestApp, type TestApp } from '../../../helpers/test-app.js';
import { separableData, tinySpec } from '../../../helpers/training-fixtures.js';

export interface SweepHarness extends TestApp {
  baseUrl: string;
  datasetId: string;
  modelId: string;
  json(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- responses are checked field by field
}

export type Mode = 'embedded' | 'distributed';

export async function sweepHarness(mode: Mode): Promise<SweepHarness> {
  const prefix = `nn-test-${randomUUID()}`;
  const env: Record<string, string> = mode === 'distributed'
    ? { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, QUEUE_NAME: 'training' }
    : { WORKER_CONCURRENCY: '2' };
  const t = await createTestApp(env);
  let worker: TrainingWorker | null = null;
  if (mode === 'distributed') {
    worker = await startTrainingWorker({
      redisUrl: TEST_REDIS_URL, prefix, queueName: 'training', dataDir: t.dataDir, limits: NO_LIMITS, lockMs: 30_000, concurrency: 2, maxStalls: 2,
    });
  }
  const data = separableData();
  const dataset = await t.deps.storage.datasets.create({
    name: 'separable', inputShape: [2], tensors: { inputs: data.inputs, labels: data.labels, targets: null }, classNames: ['left', 'right'],
  });
  const json = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await t.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.json() };
  };
  const model = await json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return {
    ...t,
    baseUrl: `http://127.0.0.1:${port}`,
    datasetId: dataset.id,
    modelId: model.body.id,
    json,
    async close() {
      await worker?.close();
      await t.close();
      if (mode === 'distributed') await deleteKeys(TEST_REDIS_URL, prefix);
    },
  };
}
