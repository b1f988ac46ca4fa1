// End to end, distributed mode: an API process and separate `node dist/worker.js` processes on the
// real Redis (REDIS_URL or 127.0.0.1:6379, under a random prefix deleted afterwards), sharing DATA_DIR.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRunning, resumeFrom, trainWatchPredictDownload, uploadAndCreate } from '../helpers/e2e-flow.js';
import { client, startProcess, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import { waitFor } from '../helpers/training-fixtures.js';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';

const API_KEY = 'e2e-secret-key';

describe('distributed mode, end to end', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServiceProcess & { baseUrl: string };
  let worker: ServiceProcess;
  let api: Client;
  const startWorker = () => startProcess('worker.js', env, /training worker ready/);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-e2e-distributed-'));
    env = { DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, API_KEYS: API_KEY, QUEUE_PREFIX: `nn-test-${randomUUID()}`, HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '20000' };
    server = await startServer(env);
    worker = await startWorker();
    api = client(server.baseUrl, { authorization: `Bearer ${API_KEY}` });
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await deleteKeys(TEST_REDIS_URL, env.QUEUE_PREFIX);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses requests without the API key', async () => {
    const res = await client(server.baseUrl).json('GET', '/v1/jobs');
    expect(res.status).toBe(401);
  });

  // Every test trains its own model on its own dataset, so none depends on another's checkpoints.
  it('trains on the worker to the stated accuracy while the API streams events; predicts, serves weights, resumes, cancels', async () => {
    const trained = await uploadAndCreate(api);
    const finalCheckpoint = await trainWatchPredictDownload(api, trained);
    await resumeFrom(api, trained, finalCheckpoint);
    await cancelRunning(api, trained);
  });

  it('SIGTERM on the worker checkpoints the running job back into the queue; the next worker resumes it', async () => {
    const trained = await uploadAndCreate(api);
    const submitted = await api.json('POST', '/v1/jobs', { ...trained, epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 });
    const jobId = submitted.body.id as string;
    await waitFor(async () => (await api.json('GET', `/v1/jobs/${jobId}`)).body, (job) => job.state === 'running' && job.history.length >= 2);
    expect(await worker.stop('SIGTERM')).toBe(0);
    const parked = (await api.json('GET', `/v1/jobs/${jobId}`)).body;
    expect(parked.state).toBe('queued');
    const interrupted = (await api.json('GET', `/v1/models/${trained.modelId}/checkpoints/${parked.checkpointIds.at(-1)}`)).body;
    expect(interrupted.tags).toContain('interrupted');

    worker = await startWorker();
    const resumed = await waitFor(
      async () => (await api.json('GET', `/v1/jobs/${jobId}`)).body,
      (job) => job.state === 'running' && job.history.length > parked.history.length + 1,
    );
    // the new run continued the count from the interrupted checkpoint: no epoch lost or repeated
    expect(resumed.history.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: resumed.history.length }, (_, i) => i + 1));
    expect((await api.json('POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(202);
    const cancelled = await waitFor(async () => (await api.json('GET', `/v1/jobs/${jobId}`)).body, (job) => job.state === 'cancelled');
    expect(cancelled.state).toBe('cancelled');
  }, 120_000);
});
