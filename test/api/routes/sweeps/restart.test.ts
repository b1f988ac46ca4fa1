// An API restart loses no sweep (embedded mode, where the API process is also the queue): the app is
// closed mid-sweep (the running trial checkpoints back to `queued`) and built again on the same
// DATA_DIR; the queue reconciles the sweep, the interrupted trial resumes and the others start.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../src/api/app.js';
import { createServices } from '../../../../src/api/services.js';
import { loadConfig } from '../../../../src/config.js';
import { createQueue } from '../../../../src/queue/index.js';
import { LIMITS_OFF } from '../../../helpers/test-app.js';
import { separableData, tinySpec, waitFor } from '../../../helpers/training-fixtures.js';

async function open(dataDir: string) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PREDICT_THREADS: '1', SHUTDOWN_TIMEOUT_MS: '20000', ...LIMITS_OFF });
  const services = await createServices(config);
  const queue = await createQueue(config, { jobs: services.deps.jobs });
  const app = await buildApp({ ...services.deps, queue });
  await app.ready();
  const json = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.json() };
  };
  return { json, deps: services.deps, close: async () => {
    await app.close();
    await queue.close();
    await services.close();
  } };
}

describe('sweeps across an API restart (embedded)', () => {
  let dataDir: string;
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('the sweep goes on after the restart: every trial runs once to the end and the sweep succeeds', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-sweep-restart-'));
    const first = await open(dataDir);
    const data = separableData(1000);
    const dataset = await first.json('POST', '/v1/datasets', { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList });
    const model = await first.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
    const epochs = 12;
    const res = await first.json('POST', '/v1/sweeps', {
      name: 'restart', datasetId: dataset.body.id, baseModelId: model.body.id,
      base: { epochs, batchSize: 4, optimizer: { type: 'adam' }, checkpointEvery: 2 },
      space: { 'optimizer.learningRate': { values: [0.01, 0.02, 0.03] } }, search: 'grid', parallelism: 1, metric: 'loss',
    });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const running = await waitFor(async () => (await first.json('GET', `/v1/sweeps/${id}`)).body, (s) => s.trials[0].state === 'running' && s.trials[0].epochs >= 2);
    const interruptedJob = running.trials[0].jobId as string;
    await first.close();
    const parked = await first.deps.jobs.get(interruptedJob);
    expect(parked?.state).not.toBe('succeeded'); // stopped mid-run by the close, not finished

    const second = await open(dataDir);
    try {
      const sweep = await waitFor(async () => (await second.json('GET', `/v1/sweeps/${id}`)).body, (s) => s.state === 'succeeded' || s.state === 'failed', 120_000);
      expect(sweep.state).toBe('succeeded');
      expect(sweep.trials.map((t: { state: string }) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(sweep.trials[0].jobId).toBe(interruptedJob); // resumed, not replaced
      const jobs = (await second.json('GET', `/v1/jobs?sweepId=${id}`)).body.items as { history: { epoch: number }[] }[];
      expect(jobs).toHaveLength(3);
      for (const job of jobs) expect(job.history.map((e) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    } finally {
      await second.close();
    }
  }, 180_000);
});
