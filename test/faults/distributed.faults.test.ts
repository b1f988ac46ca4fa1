// Faults in distributed mode, on a private redis-server (own port and data directory, AOF with
// appendfsync always) that the tests kill and restart: a worker killed with -9 mid-training, a lock
// stolen from a running worker, a full Redis restart, and SIGTERM to a worker. Each test starts the
// workers it needs (and they are killed after it), so each runs alone or in any order; steps follow
// events (job states, SSE events, worker log lines, BullMQ's own job state), not sleeps.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Trained } from '../helpers/e2e-flow.js';
import { expectCompletedOnce, jobCheckpoints, NO_THROTTLING, readJobRecord, sleep } from '../helpers/faults.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { client, startProcess, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import type { SseEvent } from '../helpers/sse.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

const API_KEY = 'faults-secret-key';
const PREFIX = 'nn-faults';
const QUEUE = 'training';
/** Short locks, so a dead worker's job moves on in seconds instead of BullMQ's 30 s. */
const LOCK_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** ~75 ms per epoch on the 3200-row set with batch size 1. */
const ROWS = 3200;

describe('distributed mode under faults', () => {
  let redis: PrivateRedis;
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServiceProcess & { baseUrl: string };
  const workers: ServiceProcess[] = [];
  let api: Client;
  let trained: Trained;
  let redisDown = false;
  const startWorker = async (extra: Record<string, string> = {}) => {
    const worker = await startProcess('worker.js', { ...env, ...extra }, /training worker ready/);
    workers.push(worker);
    return worker;
  };
  const getJob = async (id: string) => (await api.json('GET', `/v1/jobs/${id}`)).body;
  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api.json('POST', '/v1/jobs', { ...trained, batchSize: 1, optimizer: { type: 'adam', learningRate: 0.01 }, ...body });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'nn-faults-distributed-'));
    env = {
      DATA_DIR: dataDir, REDIS_URL: redis.url, API_KEYS: API_KEY, QUEUE_PREFIX: PREFIX, QUEUE_NAME: QUEUE, HOST: '127.0.0.1',
      JOB_LOCK_MS: String(LOCK_MS), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...NO_THROTTLING,
    };
    server = await startServer(env);
    api = client(server.baseUrl, { authorization: `Bearer ${API_KEY}` });
    const data = separableData(ROWS, 5);
    const dataset = await api.json('POST', '/v1/datasets', { name: 'separable', inputShape: [2], inputs: data.rows, labels: data.labelList, classNames: ['left', 'right'] });
    const model = await api.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
    trained = { modelId: model.body.id, datasetId: dataset.body.id };
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
    if (redisDown) await redis.start(); // a test that failed mid-outage leaves the next one a Redis
    redisDown = false;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await redis?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('kill -9 of the worker mid-training: another worker resumes from the last checkpoint and completes it exactly once', async () => {
    const epochs = 100;
    const every = 5;
    const jobId = await submit({ epochs, checkpointEvery: every });
    // The whole story, read until the final state: opened while no worker runs, so it misses nothing.
    const stream = api.stream(`/v1/jobs/${jobId}/events`);
    expect((await stream.first).data).toMatchObject({ state: 'queued' });
    const doomed = await startWorker();
    await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.checkpointIds.length >= 2, 60_000);
    await doomed.stop('SIGKILL');
    const atKill = await jobCheckpoints(api, trained.modelId, jobId);
    const lastCheckpointEpoch = Math.max(...atKill.map((c) => c.epoch));
    const survivor = await startWorker(); // started after the count, so nothing it writes is in it

    const events: SseEvent[] = await stream.all;
    const runs = events.filter((e) => e.event === 'state' && (e.data as { state: string }).state === 'running');
    expect(runs).toHaveLength(2);
    // the second run (on the survivor) started from the newest checkpoint the killed worker wrote
    const secondRunAt = events.indexOf(runs[1]);
    expect((runs[1].data as { progress: { epoch: number } }).progress.epoch).toBe(lastCheckpointEpoch);
    const lastEpochBeforeKill = Math.max(...events.slice(0, secondRunAt).filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch));
    expect(lastEpochBeforeKill - lastCheckpointEpoch).toBeLessThanOrEqual(every); // work lost: at most one interval
    const terminal = events.filter((e) => e.event === 'state' && ['succeeded', 'failed', 'cancelled'].includes((e.data as { state: string }).state));
    expect(terminal).toHaveLength(1);
    expect(terminal[0].data).toMatchObject({ state: 'succeeded' });
    await expectCompletedOnce(api, trained.modelId, jobId, epochs);
    expect(survivor.child.exitCode).toBeNull();
  }, 180_000);

  it('a worker whose lock was taken writes no checkpoint or record; the job then completes once', async () => {
    const worker = await startWorker();
    const jobId = await submit({ epochs: 60, checkpointEvery: 2 });
    await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.checkpointIds.length >= 1, 60_000);
    const thief = new Redis(redis.url);
    try {
      // Another owner now holds the lock, as after a lapse while Redis was away and a re-queue.
      await thief.set(`${PREFIX}:${QUEUE}:${jobId}:lock`, 'another-worker-token', 'PX', 600_000);
      const atTheft = await readJobRecord(dataDir, jobId);
      // The run ends at its next write: BullMQ then finds the lock is not the worker's (its log says so).
      const lost = new RegExp(`Lock mismatch for job ${jobId}`);
      expect(lost.test(await waitFor(async () => worker.output(), (output) => lost.test(output), 60_000))).toBe(true);
      const afterRun = await readJobRecord(dataDir, jobId);
      expect(afterRun.state).toBe('running'); // it did not finish the job
      // At most the one write whose check had passed before the theft; none after its next check.
      expect(afterRun.checkpointIds.slice(0, atTheft.checkpointIds.length)).toEqual(atTheft.checkpointIds);
      expect(afterRun.checkpointIds.length - atTheft.checkpointIds.length).toBeLessThanOrEqual(1);
      const listed = await jobCheckpoints(api, trained.modelId, jobId);
      expect(listed.filter((c) => c.tags.includes('final'))).toEqual([]);
      expect(listed.length).toBeLessThanOrEqual(atTheft.checkpointIds.length + 1);

      await thief.del(`${PREFIX}:${QUEUE}:${jobId}:lock`); // the "other worker" vanishes: the stalled check re-queues the job
      await waitFor(() => getJob(jobId), (job) => job.state === 'succeeded', 90_000);
      await expectCompletedOnce(api, trained.modelId, jobId, 60);
    } finally {
      thief.disconnect();
    }
  }, 180_000);

  it('Redis restarted (SHUTDOWN, then start on the same port and AOF): 503 at once for the queue, reads and predict served, every accepted job finishes', async () => {
    await startWorker();
    const jobIds = [await submit({ epochs: 60, checkpointEvery: 3 }), await submit({ epochs: 10, checkpointEvery: 5 }), await submit({ epochs: 10, checkpointEvery: 5 })];
    await waitFor(() => getJob(jobIds[0]), (job) => job.state === 'running' && job.checkpointIds.length >= 1, 60_000);
    await redis.stop();
    redisDown = true;
    const stoppedAt = Date.now();

    // 503 from the connection state (no offline queue), not from the 2 s answer timeout.
    const failsFast = (message: string) => {
      expect(message).not.toContain('did not answer in time');
      expect(message).toMatch(/Redis connection is|enableOfflineQueue/);
    };
    const refused = await api.json('POST', '/v1/jobs', { ...trained, epochs: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('QUEUE_UNAVAILABLE');
    failsFast(refused.body.error.message);
    const cancel = await api.json('POST', `/v1/jobs/${jobIds[1]}/cancel`);
    expect(cancel.status).toBe(503);
    failsFast(cancel.body.error.message);
    expect((await api.json('GET', '/readyz')).status).toBe(503);
    for (const path of [`/v1/jobs/${jobIds[0]}`, `/v1/models/${trained.modelId}`, `/v1/datasets/${trained.datasetId}`, '/v1/jobs', `/v1/models/${trained.modelId}/checkpoints`]) {
      expect((await api.json('GET', path)).status, path).toBe(200);
    }
    const predicted = await api.json('POST', `/v1/models/${trained.modelId}/predict`, { instances: [[0.5, -0.5], [-0.5, 0.5]] });
    expect(predicted.status).toBe(200);
    expect(predicted.body.classes).toEqual([1, 0]);

    // The one wait on the clock: the running job's lock (renewed to at most LOCK_MS, in Redis's own
    // time) must have lapsed before Redis is back, which no event can show while Redis is down.
    // Waiting longer (a busy machine) changes nothing.
    await sleep(Math.max(0, stoppedAt + LOCK_MS + 100 - Date.now()));
    await redis.start();
    redisDown = false;
    for (const jobId of jobIds) {
      const done = await waitFor(() => getJob(jobId), (job) => job.state === 'succeeded' || job.state === 'failed', 120_000);
      expect(done.state, `${jobId}: ${JSON.stringify(done.error)}`).toBe('succeeded');
    }
    await expectCompletedOnce(api, trained.modelId, jobIds[0], 60);
    // the run cut off by the outage could not confirm its lock, wrote nothing more, and a second run finished the job
    expect((await readJobRecord(dataDir, jobIds[0])).attempts).toBe(2);
    await expectCompletedOnce(api, trained.modelId, jobIds[1], 10);
    await expectCompletedOnce(api, trained.modelId, jobIds[2], 10);
    // the API's connections came back by themselves too
    await waitFor(async () => (await api.json('GET', '/readyz')).status, (status) => status === 200, 60_000);
    const after = await submit({ epochs: 2 });
    expect((await waitFor(() => getJob(after), (job) => job.state === 'succeeded', 60_000)).state).toBe('succeeded');
  }, 240_000);

  it('a job whose worker dies on every run fails with WORKER_CRASHED after JOB_MAX_ATTEMPTS runs, never looping', async () => {
    const crashing = { JOB_MAX_ATTEMPTS: '2' };
    let worker = await startWorker(crashing);
    const jobId = await submit({ epochs: 100_000, checkpointEvery: 5 });
    for (let run = 1; run <= 2; run++) {
      await waitFor(() => readJobRecord(dataDir, jobId), (j) => j.state === 'running' && j.attempts === run && j.history.length >= 1, 60_000);
      await worker.stop('SIGKILL');
      worker = await startWorker(crashing);
    }
    const failed = await waitFor(() => getJob(jobId), (job) => job.state === 'failed', 60_000);
    expect(failed.error.code).toBe('WORKER_CRASHED');
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(2); // no third run
    // Never looping: BullMQ holds the job as failed, which no worker or stalled check picks up again.
    const queue = new Queue(QUEUE, { connection: { url: redis.url }, prefix: PREFIX });
    try {
      const entry = await queue.getJob(jobId);
      expect(await entry?.getState()).toBe('failed');
    } finally {
      await queue.close();
    }
  }, 180_000);

  it('SIGTERM to a worker: the job checkpoints back to the queue without spending an attempt; the worker exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const worker = await startWorker();
    const jobId = await submit({ epochs: 100_000, checkpointEvery: 100_000 });
    await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.history.length >= 2, 60_000);
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(1);

    // 0: closed within SHUTDOWN_TIMEOUT_MS (past it the process exits 1).
    expect(await worker.stop('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5000)).toBe(0);
    const parked = await readJobRecord(dataDir, jobId);
    expect(parked.state).toBe('queued');
    expect(parked.attempts).toBe(0);
    const interrupted = (await api.json('GET', `/v1/models/${trained.modelId}/checkpoints/${parked.checkpointIds.at(-1)}`)).body;
    expect(interrupted.tags).toContain('interrupted');
    const queue = new Queue(QUEUE, { connection: { url: redis.url }, prefix: PREFIX });
    try {
      const entry = await queue.getJob(jobId);
      expect(await entry?.getState()).toMatch(/waiting|delayed|prioritized/);
      expect(entry?.attemptsMade).toBe(0);
    } finally {
      await queue.close();
    }

    await startWorker();
    const resumed = await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.history.length > parked.history.length, 60_000);
    expect(resumed.history.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: resumed.history.length }, (_, i) => i + 1));
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(1);
    expect((await api.json('POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(202);
    expect((await waitFor(() => getJob(jobId), (job) => job.state === 'cancelled')).state).toBe('cancelled');
  }, 180_000);
});
