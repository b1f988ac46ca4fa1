// A sweep under a worker crash (distributed mode, a private redis-server, real API and worker
// processes): kill -9 of the worker running two trials; the other worker resumes each from its last
// checkpoint (losing at most one checkpoint interval), every trial ends once, and the sweep succeeds.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCompletedOnce, jobCheckpoints, NO_THROTTLING, readJobRecord } from '../helpers/faults.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { client, startProcess, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import type { SseEvent } from '../helpers/sse.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

const API_KEY = 'sweep-faults-key';
/** Short locks, so a dead worker's trials move on in seconds instead of BullMQ's 30 s. */
const LOCK_MS = 2000;
const ROWS = 3200;
const EPOCHS = 30;
const EVERY = 5;

type Trial = { index: number; jobId: string | null; modelId: string | null; state: string };

describe('sweeps under a worker crash', () => {
  let redis: PrivateRedis;
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServiceProcess & { baseUrl: string };
  const workers: ServiceProcess[] = [];
  let api: Client;
  const startWorker = async () => {
    const worker = await startProcess('worker.js', { ...env, WORKER_CONCURRENCY: '2' }, /training worker ready/);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'nn-faults-sweeps-'));
    env = {
      DATA_DIR: dataDir, REDIS_URL: redis.url, API_KEYS: API_KEY, QUEUE_PREFIX: 'nn-sweep-faults', QUEUE_NAME: 'training', HOST: '127.0.0.1',
      JOB_LOCK_MS: String(LOCK_MS), SHUTDOWN_TIMEOUT_MS: '10000', ...NO_THROTTLING,
    };
    server = await startServer(env);
    api = client(server.baseUrl, { authorization: `Bearer ${API_KEY}` });
  });
  afterAll(async () => {
    for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
    await server?.stop('SIGKILL');
    await redis?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('kill -9 of a worker mid-sweep: its trials resume elsewhere from their last checkpoint, every trial ends once, the sweep succeeds', async () => {
    const data = separableData(ROWS, 5);
    const dataset = await api.json('POST', '/v1/datasets', { name: 'separable', inputShape: [2], inputs: data.rows, labels: data.labelList, classNames: ['left', 'right'] });
    const model = await api.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
    const res = await api.json('POST', '/v1/sweeps', {
      name: 'crash', datasetId: dataset.body.id, baseModelId: model.body.id,
      base: { epochs: EPOCHS, batchSize: 1, checkpointEvery: EVERY, optimizer: { type: 'adam' } },
      space: { 'optimizer.learningRate': { values: [0.01, 0.003, 0.001] } }, search: 'grid', parallelism: 2, metric: 'loss',
    });
    expect(res.status).toBe(202);
    const sweepId = res.body.id as string;
    const getSweep = async () => (await api.json('GET', `/v1/sweeps/${sweepId}`)).body;
    // Both first trials are created (queued) before any worker runs: follow the first one's whole story.
    const first = (await waitFor(getSweep, (s) => s.trials[0].jobId !== null)).trials[0] as Trial;
    const stream = api.stream(`/v1/jobs/${first.jobId}/events`);

    const doomed = await startWorker();
    await waitFor(async () => (await api.json('GET', `/v1/jobs/${first.jobId}`)).body, (job) => job.state === 'running' && job.checkpointIds.length >= 2, 90_000);
    await doomed.stop('SIGKILL');
    const atKill = await jobCheckpoints(api, first.modelId as string, first.jobId as string);
    const lastCheckpointEpoch = Math.max(...atKill.map((c) => c.epoch));
    const survivor = await startWorker();

    const sweep = await waitFor(getSweep, (s) => ['succeeded', 'failed', 'cancelled'].includes(s.state), 240_000);
    expect(sweep.state).toBe('succeeded');
    const trials = sweep.trials as Trial[];
    expect(trials.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const trial of trials) await expectCompletedOnce(api, trial.modelId as string, trial.jobId as string, EPOCHS);
    // It ran on the killed worker, then on the survivor (a third run only if a lock lapsed under load: 2 s locks).
    expect((await readJobRecord(dataDir, first.jobId as string)).attempts).toBeGreaterThanOrEqual(2);

    const events: SseEvent[] = await stream.all;
    const runs = events.filter((e) => e.event === 'state' && (e.data as { state: string }).state === 'running');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect((runs[1]?.data as { progress: { epoch: number } }).progress.epoch).toBe(lastCheckpointEpoch);
    const secondRunAt = events.indexOf(runs[1] as SseEvent);
    const lastEpochBeforeKill = Math.max(...events.slice(0, secondRunAt).filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch));
    expect(lastEpochBeforeKill - lastCheckpointEpoch).toBeLessThanOrEqual(EVERY); // work lost: at most one interval
    expect(survivor.child.exitCode).toBeNull();
  }, 300_000);
});
