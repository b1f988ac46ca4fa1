// Training runs in its own thread, so it never blocks the API: predictions sent over HTTP while a
// long training job runs all succeed with the right answers. Ordered by the job's state (running
// before the first prediction and after the last), never by time; how fast the API answers while
// training is `npm run bench:load`'s to measure (bench/load.ts).

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/service-process.js';
import { createTestApp, identitySpec, identityWeights, type TestApp } from '../helpers/test-app.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

describe('predictions while a training job runs', () => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await createTestApp({ WORKER_CONCURRENCY: '1', PREDICT_THREADS: '1' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('every prediction succeeds with the served weights\' answer while the job trains', async () => {
    // The served model: identity weights, so the larger input is the class.
    const api = client(baseUrl);
    const served = (await api.json('POST', '/v1/models', { name: 'served', spec: identitySpec })).body.id as string;
    await t.deps.storage.checkpoints.create({ modelId: served, epoch: 1, weights: identityWeights() });
    // The trained one: a job that runs until cancelled.
    const data = separableData(256);
    const datasetId = (await api.json('POST', '/v1/datasets', { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList })).body.id;
    const modelId = (await api.json('POST', '/v1/models', { name: 'training', spec: tinySpec })).body.id;
    const job = (await api.json('POST', '/v1/jobs', { modelId, datasetId, epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 })).body.id as string;
    const getJob = async () => (await api.json('GET', `/v1/jobs/${job}`)).body;
    const training = await waitFor(getJob, (j) => j.state === 'running' && j.progress.step > 0);
    expect(training.state).toBe('running');

    const instances = [[3, 1], [1, 3]];
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => api.json('POST', `/v1/models/${served}/predict`, { instances })));
      for (const answer of answers) {
        statuses.push(answer.status);
        expect(answer.body.classes).toEqual([0, 1]);
      }
    }
    expect(statuses).toEqual(Array(50).fill(200));
    const after = await getJob();
    expect(after.state).toBe('running'); // the job trained throughout

    expect((await api.json('POST', `/v1/jobs/${job}/cancel`)).status).toBe(202);
    expect((await waitFor(getJob, (j) => j.state === 'cancelled')).state).toBe('cancelled');
  });
});
