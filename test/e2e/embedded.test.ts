// End to end, embedded mode: a real `node dist/server.js` process over a temporary DATA_DIR, driven
// over HTTP; then kill -9 and SIGTERM mid-training, after which a restart resumes the job.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRunning, resumeFrom, trainWatchPredictDownload, uploadAndCreate } from '../helpers/e2e-flow.js';
import { client, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import { waitFor } from '../helpers/training-fixtures.js';

describe('embedded mode, end to end', () => {
  let dataDir: string;
  let server: ServiceProcess & { baseUrl: string };
  let api: Client;
  const env = () => ({ DATA_DIR: dataDir, WORKER_CONCURRENCY: '1' });
  const getJob = async (id: string) => (await api.json('GET', `/v1/jobs/${id}`)).body;
  const contiguous = (history: { epoch: number }[]) => history.map((e) => e.epoch).every((epoch, i) => epoch === i + 1);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-e2e-embedded-'));
    server = await startServer(env());
    api = client(server.baseUrl);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Every test trains its own model on its own dataset: what one test's jobs leave behind (checkpoints,
  // the model's `best`) is no other test's business, in whatever order they run.
  it('trains to the stated accuracy while streaming events, predicts, serves weights, resumes, cancels', async () => {
    const trained = await uploadAndCreate(api);
    const finalCheckpoint = await trainWatchPredictDownload(api, trained);
    await resumeFrom(api, trained, finalCheckpoint);
    await cancelRunning(api, trained);
  });

  it('a job running when the process is killed (-9) resumes from its checkpoint after a restart', async () => {
    const trained = await uploadAndCreate(api);
    const submitted = await api.json('POST', '/v1/jobs', { ...trained, epochs: 60, batchSize: 1, checkpointEvery: 2 });
    const jobId = submitted.body.id as string;
    const before = await waitFor(() => getJob(jobId), (job) => job.checkpointIds.length >= 2);
    await server.stop('SIGKILL');
    expect(before.state).toBe('running');

    server = await startServer(env());
    api = client(server.baseUrl);
    const events = await api.events(`/v1/jobs/${jobId}/events`);
    expect(events.at(-1)).toMatchObject({ event: 'state', data: { state: 'succeeded' } });
    const job = await getJob(jobId);
    expect(job.history.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(job.progress).toMatchObject({ epoch: 60, epochs: 60, fraction: 1 });
    // the restarted run began from the job's own checkpoint: no epoch was checkpointed twice
    const checkpoints = (await api.json('GET', `/v1/models/${trained.modelId}/checkpoints?limit=500`)).body.items as { jobId: string; epoch: number }[];
    const epochs = checkpoints.filter((c) => c.jobId === jobId).map((c) => c.epoch);
    expect(new Set(epochs).size).toBe(epochs.length);
    expect(epochs).toContain(60);
  }, 120_000);

  it('SIGTERM with an open event stream: the job checkpoints back to queued, the process exits 0, a restart resumes it', async () => {
    const trained = await uploadAndCreate(api);
    const submitted = await api.json('POST', '/v1/jobs', { ...trained, epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 });
    const jobId = submitted.body.id as string;
    await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.history.length >= 1);
    const stream = api.stream(`/v1/jobs/${jobId}/events`);
    expect((await stream.first).event).toBe('snapshot'); // the server is holding the stream open
    // Exit code 0 is the graceful path: past SHUTDOWN_TIMEOUT_MS the process exits 1 (process-lifecycle.ts).
    expect(await server.stop('SIGTERM')).toBe(0);
    await stream.all.catch(() => undefined); // the server ended it while closing

    server = await startServer(env());
    api = client(server.baseUrl);
    const parked = await getJob(jobId);
    const interrupted = (await api.json('GET', `/v1/models/${trained.modelId}/checkpoints/${parked.checkpointIds.at(-1)}`)).body;
    expect(interrupted.tags).toContain('interrupted');
    const resumed = await waitFor(() => getJob(jobId), (job) => job.state === 'running' && job.history.length > parked.history.length);
    expect(contiguous(resumed.history)).toBe(true);
    expect((await api.json('POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(202);
    await waitFor(() => getJob(jobId), (job) => job.state === 'cancelled');
  }, 120_000);
});
