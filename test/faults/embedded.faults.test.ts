// Faults in embedded mode, on real `node dist/server.js` processes: SIGTERM with a request in flight
// and a training job running; a job whose process dies on every run; a training thread that runs out
// of heap. (kill -9 of the whole process mid-training, then a restart that resumes the job from its
// checkpoint, is proved in test/e2e/embedded.test.ts, part of `npm test`.)

import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_THROTTLING, readJobRecord } from '../helpers/faults.js';
import { client, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

const SHUTDOWN_TIMEOUT_MS = 8000;

describe('embedded mode under faults', () => {
  const dirs: string[] = [];
  const servers: ServiceProcess[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function boot(extra: Record<string, string> = {}, dataDir?: string) {
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'nn-faults-embedded-')));
    if (!dataDir) dirs.push(dir);
    const server = await startServer({ DATA_DIR: dir, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...NO_THROTTLING, ...extra });
    servers.push(server);
    return { server, api: client(server.baseUrl), dataDir: dir };
  }
  async function fixtures(api: Client, rows = 320) {
    const data = separableData(rows, 3);
    const dataset = await api.json('POST', '/v1/datasets', { name: 'separable', inputShape: [2], inputs: data.rows, labels: data.labelList, classNames: ['left', 'right'] });
    const model = await api.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
    return { modelId: model.body.id as string, datasetId: dataset.body.id as string };
  }
  const getJob = async (api: Client, id: string) => (await api.json('GET', `/v1/jobs/${id}`)).body;

  it('SIGTERM: the in-flight request completes, a request after it gets 503, new connections are refused, the running job checkpoints back to queued without spending an attempt, exit 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const { server, api, dataDir } = await boot();
    const fx = await fixtures(api);
    const job = await api.json('POST', '/v1/jobs', { ...fx, epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 });
    const jobId = job.body.id as string;
    await waitFor(() => getJob(api, jobId), (j) => j.state === 'running' && j.history.length >= 1);
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(1);

    // A dataset upload in flight: headers and half the body sent before SIGTERM, the rest after it,
    // followed on the same connection by a second (pipelined) request.
    const data = separableData(200, 9);
    const body = Buffer.from(JSON.stringify({ name: 'in-flight', inputShape: [2], inputs: data.rows, labels: data.labelList }));
    const port = Number(new URL(server.baseUrl).port);
    const socket = connect(port, '127.0.0.1');
    const received = collect(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /v1/datasets HTTP/1.1\r\nhost: 127.0.0.1\r\nx-request-id: in-flight-upload\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, body.length >> 1));
    // In flight: the server has logged the request (its headers arrived) and waits for the rest of the body.
    await waitFor(async () => server.output(), (output) => /"requestId":"in-flight-upload".*"incoming request"/.test(output));

    const exited = server.stop('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5000);
    // The listener closes once shutdown has begun: from then on a new connection is refused.
    expect(await waitFor(() => connectionRefused(port), (refused) => refused)).toBe(true);
    socket.write(body.subarray(body.length >> 1));
    socket.write('GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    const responses = await received;
    expect(responses[0].status).toBe(201);
    expect(JSON.parse(responses[0].body)).toMatchObject({ name: 'in-flight', count: 200 });
    expect(responses[1].status).toBe(503);
    expect(responses[1].headers['retry-after']).toBeDefined();
    expect(JSON.parse(responses[1].body).error.code).toBe('SHUTTING_DOWN');

    expect(await exited).toBe(0); // 0: closed within SHUTDOWN_TIMEOUT_MS (past it the process exits 1)
    const parked = await readJobRecord(dataDir, jobId);
    expect(parked.state).toBe('queued');
    expect(parked.attempts).toBe(0); // the interrupted run did not count as a failed attempt

    const again = await boot({}, dataDir);
    expect((await again.api.json('GET', `/v1/models/${fx.modelId}/checkpoints/${parked.checkpointIds.at(-1)}`)).body.tags).toContain('interrupted');
    await waitFor(() => getJob(again.api, jobId), (j) => j.state === 'running' && j.history.length > parked.history.length);
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(1);
    expect((await again.api.json('GET', '/v1/datasets')).body.items.map((d: { name: string }) => d.name)).toContain('in-flight');
  }, 120_000);

  it('a job whose process dies on every run fails with WORKER_CRASHED after JOB_MAX_ATTEMPTS runs, never looping', async () => {
    const env = { JOB_MAX_ATTEMPTS: '2' };
    const first = await boot(env);
    const { dataDir } = first;
    let { server, api } = first;
    const fx = await fixtures(api);
    const jobId = (await api.json('POST', '/v1/jobs', { ...fx, epochs: 100_000, batchSize: 1, checkpointEvery: 1 })).body.id as string;
    for (let run = 1; run <= 2; run++) {
      await waitFor(() => readJobRecord(dataDir, jobId), (j) => j.state === 'running' && j.attempts === run && j.history.length >= 1);
      await server.stop('SIGKILL');
      ({ server, api } = await boot(env, dataDir));
    }
    const failed = await waitFor(() => getJob(api, jobId), (j) => j.state === 'failed');
    expect(failed.error.code).toBe('WORKER_CRASHED');
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(2);
    // And it stays failed: a job submitted now runs to its end, and the crashed one was not run again.
    const next = (await api.json('POST', '/v1/jobs', { ...fx, epochs: 2, batchSize: 32 })).body.id as string;
    expect((await waitFor(() => getJob(api, next), (j) => j.state === 'succeeded' || j.state === 'failed')).state).toBe('succeeded');
    expect(await readJobRecord(dataDir, jobId)).toMatchObject({ state: 'failed', attempts: 2 });
    // the work it did is kept: its checkpoints still serve predictions
    expect((await api.json('POST', `/v1/models/${fx.modelId}/predict`, { instances: [[0.5, -0.5]] })).status).toBe(200);
  }, 120_000);

  it('a training thread over its heap limit (TRAINING_THREAD_MAX_OLD_GEN_MB) dies: the job fails RESOURCE_EXHAUSTED without a retry, the process serves on', async () => {
    const { server, api, dataDir } = await boot({ TRAINING_THREAD_MAX_OLD_GEN_MB: '10' });
    const fx = await fixtures(api, 4);
    // Tens of thousands of epochs: the history the thread holds outgrows a 10 MB heap within seconds.
    const jobId = (await api.json('POST', '/v1/jobs', { ...fx, epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 })).body.id as string;
    const failed = await waitFor(() => getJob(api, jobId), (j) => j.state === 'failed', 200_000);
    expect(failed.error.code).toBe('RESOURCE_EXHAUSTED');
    expect(failed.history.length).toBeGreaterThan(0); // it died training, not at start-up
    expect((await readJobRecord(dataDir, jobId)).attempts).toBe(1);
    expect(server.child.exitCode).toBeNull();
    expect((await api.json('GET', '/healthz')).status).toBe(200);
    // a fresh thread takes the next job
    const next = (await api.json('POST', '/v1/jobs', { ...fx, epochs: 3, batchSize: 2 })).body.id as string;
    expect((await waitFor(() => getJob(api, next), (j) => j.state === 'succeeded' || j.state === 'failed')).state).toBe('succeeded');
  }, 240_000);
});

/** True when a new TCP connection to the port is refused (the listener has closed). */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Reads HTTP/1.1 responses (content-length bodies) off a raw socket until the server closes it. */
function collect(socket: Socket): Promise<RawResponse[]> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return new Promise((resolve) => {
    socket.once('close', () => {
      const responses: RawResponse[] = [];
      let rest = text;
      while (rest.startsWith('HTTP/1.1')) {
        const end = rest.indexOf('\r\n\r\n');
        const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
        rest = rest.slice(end + 4 + length);
      }
      resolve(responses);
    });
  });
}
