// `npm run test:docker`: builds the image from the Dockerfile, starts docker/docker-compose.yml (Redis,
// the API, two workers) under a unique project name and drives it through the published port: the README
// walk-through, a worker killed mid-job, a Redis restart, SIGTERM to every container, down and up again.
// Base images come from test/docker/stand-in/prepare.sh where no registry answers.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectWalkthroughOutput, runWalkthrough } from '../helpers/readme-walkthrough.js';
import { client, type Client } from '../helpers/service-process.js';
import type { SseEvent } from '../helpers/sse.js';
import { watchSse } from '../helpers/sse-watch.js';
import { ComposeStack, docker, dockerTime, gracePeriodsMs, inspect, ROOT } from './compose.js';

const exec = promisify(execFile);
const PROJECT = `nn-docker-test-${randomBytes(4).toString('hex')}`;
const KEY = randomBytes(16).toString('hex');
const NODE_UID = 1000;
const FINAL_STATES = ['succeeded', 'failed', 'cancelled'];

/**
 * Reads until `check` passes; every `intervalMs` (not 25 ms as the in-process tests poll: four
 * containers share this machine's CPU with the test). Throws with the last value after `timeoutMs`.
 */
async function poll<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A port nothing listens on now, for the API to be published on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Points in [-1, 1]^64 labelled by the sign of their sum, for a 64-256-256-2 MLP: jobs that run for a while. */
function wideDataset(count: number) {
  let state = 12345;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const inputs = Array.from({ length: count }, () => Array.from({ length: 64 }, next));
  const labels = inputs.map((row) => (row.reduce((a, b) => a + b, 0) > 0 ? 1 : 0));
  return { name: 'wide', inputShape: [64], inputs, labels };
}
const WIDE_SPEC = {
  input: [64],
  layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
};

interface Job { id: string; state: string; history: { epoch: number }[]; checkpointIds: string[] }
interface Checkpoint { id: string; jobId: string; epoch: number; tags: string[] }

const isState = (state: string) => (e: SseEvent) => e.event === 'state' && (e.data as { state: string }).state === state;
const epochsOf = (job: Job) => job.history.map((entry) => entry.epoch);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the compose stack, built and run for real', () => {
  let stack: ComposeStack;
  let base: string;
  let api: Client;
  let wide: { modelId: string; datasetId: string };
  let failed = false;

  const getJob = async (id: string) => (await api.json<Job>('GET', `/v1/jobs/${id}`)).body;
  const submit = async (config: Record<string, unknown>) => {
    const res = await api.json('POST', '/v1/jobs', { ...wide, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.001 }, seed: 1, ...config });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const jobCheckpoints = async (jobId: string) =>
    ((await api.json<{ items: Checkpoint[] }>('GET', `/v1/models/${wide.modelId}/checkpoints?limit=500`)).body.items).filter((c) => c.jobId === jobId);
  const upWithTwoWorkers = async () => {
    const started = Date.now();
    await stack.run(['up', '-d', '--scale', 'worker=2']);
    await stack.waitHealthy('api');
    return (Date.now() - started) / 1000;
  };

  beforeAll(async () => {
    try {
      await startStack();
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 2_400_000);

  async function startStack() {
    const prepared = await exec('bash', ['test/docker/stand-in/prepare.sh'], { cwd: ROOT, timeout: 1_200_000 });
    console.log(prepared.stdout.trim());
    const port = await freePort();
    stack = await ComposeStack.open(PROJECT, { API_KEYS: KEY, NN_PORT: String(port) });
    const buildStarted = Date.now();
    await stack.run(['build'], 1_800_000);
    const buildSeconds = (Date.now() - buildStarted) / 1000;
    const healthySeconds = await upWithTwoWorkers();
    const imageBytes = Number(await docker(['image', 'inspect', '-f', '{{.Size}}', 'nn-service:latest']));
    const baseBytes = Number(await docker(['image', 'inspect', '-f', '{{.Size}}', 'node:20-bookworm-slim']));
    console.log(`docker: build ${buildSeconds.toFixed(1)} s, up to healthy ${healthySeconds.toFixed(1)} s, ` +
      `image ${(imageBytes / 1e6).toFixed(1)} MB = base ${(baseBytes / 1e6).toFixed(1)} MB + ${((imageBytes - baseBytes) / 1e6).toFixed(1)} MB of this project's layers`);
    base = `http://127.0.0.1:${port}`;
    api = client(base, { authorization: `Bearer ${KEY}` });

    const dataset = await api.json('POST', '/v1/datasets', wideDataset(1024));
    const model = await api.json('POST', '/v1/models', { name: 'wide', spec: WIDE_SPEC });
    expect([dataset.status, model.status]).toEqual([201, 201]);
    wide = { modelId: model.body.id, datasetId: dataset.body.id };
  }

  afterAll(async () => {
    if (!stack) return;
    if (failed) console.log(await stack.logs().catch((err: Error) => `no logs: ${err.message}`));
    await stack.run(['down', '-v', '--remove-orphans', '--timeout', '5']);
  }, 300_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });

  it('the API is healthy; API and workers run as the non-root node user under tini, which owns the data volume', async () => {
    const apiId = await stack.container('api');
    expect((await inspect(apiId)).State.Health?.Status).toBe('healthy');
    const workers = await stack.containers('worker');
    expect(workers).toHaveLength(2);
    for (const [id, entry] of [[apiId, 'dist/server.js'], ...workers.map((w) => [w, 'dist/worker.js'])]) {
      const { Config, State } = await inspect(id);
      expect(Config.User).toBe('node');
      // PID 1 is tini with node as its child (a healthcheck's `node -e` may show up beside them).
      const processes = await stack.processes(id);
      expect(processes.map((p) => p.uid)).toEqual(processes.map(() => NODE_UID));
      expect(processes.find((p) => p.pid === State.Pid)?.command).toBe(`/usr/bin/tini -- node ${entry}`);
      expect(processes.map((p) => p.command)).toContain(`node ${entry}`);
    }
    expect(await docker(['exec', apiId, 'stat', '-c', '%U:%G', '/data'])).toBe('node:node');
    // The image's build stage compiled the optional native kernel, and API and workers run on it
    // (NN_KERNEL=auto): their ready lines name it. x86-64 hosts have at least its AVX2 build.
    if (process.arch === 'x64') {
      expect(await stack.logs('api')).toMatch(/"kernel":"native-avx(512|2)".*"msg":"nn-service ready"/);
      expect(await stack.logs('worker')).toMatch(/"kernel":"native-avx(512|2)".*"msg":"training worker ready"/);
    }
    // API_KEYS reached the API: /v1 wants the key, the probes do not.
    expect((await client(base).json('GET', '/v1/models')).status).toBe(401);
    expect((await client(base).json('GET', '/readyz')).body).toMatchObject({ status: 'ready', checks: { queue: 'ok' } });
  });

  it('the README walk-through runs against it through the published port, with the API key', async () => {
    expectWalkthroughOutput(await runWalkthrough(base, { KEY }));
  });

  it('docker kill of the worker running a job: the job resumes from its last checkpoint on the other worker and succeeds', async () => {
    const [doomed, survivor] = await stack.containers('worker');
    const epochs = 300;
    // Freeze the survivor until the job runs, so the doomed worker is the one that takes it.
    await docker(['pause', survivor]);
    const jobId = await submit({ epochs, checkpointEvery: 20 }).catch(async (err) => {
      await docker(['unpause', survivor]);
      throw err;
    });
    const stream = watchSse(`${base}/v1/jobs/${jobId}/events`, { authorization: `Bearer ${KEY}` });
    await stream.until(isState('running')).finally(() => docker(['unpause', survivor]));
    await stream.until(() => stream.events.filter((e) => e.event === 'checkpoint').length >= 2);
    await docker(['kill', doomed]);

    const events = await stream.done;
    const runs = events.filter(isState('running'));
    expect(runs).toHaveLength(2);
    const beforeResume = events.slice(0, events.indexOf(runs[1]));
    const lastCheckpointEpoch = Math.max(...beforeResume.filter((e) => e.event === 'checkpoint').map((e) => (e.data as Checkpoint).epoch));
    expect((runs[1].data as { progress: { epoch: number } }).progress.epoch).toBe(lastCheckpointEpoch);
    expect(events.filter((e) => e.event === 'state' && FINAL_STATES.includes((e.data as Job).state)).map((e) => (e.data as Job).state)).toEqual(['succeeded']);
    expect(epochsOf(await getJob(jobId))).toEqual(oneToN(epochs));
    // The killed worker stayed down (a killed container is not restarted), so the survivor finished the job.
    expect((await inspect(doomed)).State).toMatchObject({ Running: false, ExitCode: 137 });
    expect((await inspect(survivor)).State.Running).toBe(true);
  });

  it('a Redis restart loses no accepted job: queued and running jobs all succeed', async () => {
    await upWithTwoWorkers(); // starts the killed worker again
    const epochs = 60;
    const jobIds: string[] = [];
    for (let i = 0; i < 4; i++) jobIds.push(await submit({ epochs, checkpointEvery: 20, seed: i }));
    const states = await poll(() => Promise.all(jobIds.map(async (id) => (await getJob(id)).state)), (s) => s.includes('running'), 120_000, 100);
    expect(states).toContain('queued'); // in Redis only: the restart must not lose it
    const redis = await stack.container('redis');
    const startedBefore = (await inspect(redis)).State.StartedAt;
    await stack.run(['restart', 'redis']);
    expect((await inspect(redis)).State.StartedAt).not.toBe(startedBefore);

    const jobs = await poll(() => Promise.all(jobIds.map(getJob)), (all) => all.every((job) => FINAL_STATES.includes(job.state)), 400_000);
    for (const job of jobs) {
      expect(job.state).toBe('succeeded');
      expect(epochsOf(job)).toEqual(oneToN(epochs));
    }
  });

  it('SIGTERM stops every container within its grace period with the running job checkpointed; data survives down and up', async () => {
    // Enough epochs that the job is still running when the stop arrives: on the native kernel 120 epochs
    // ended before it (the stop found nothing to checkpoint); at WebAssembly speed these still finish
    // well inside the poll below after the restart.
    const epochs = 3000;
    const jobId = await submit({ epochs, checkpointEvery: 1000 });
    await poll(() => getJob(jobId), (job) => job.state === 'running' && job.history.length >= 2, 120_000, 100);
    const grace = await gracePeriodsMs();
    const containers = { api: [await stack.container('api')], worker: await stack.containers('worker') };

    const signalled = Date.now();
    await stack.run(['stop']); // SIGTERM, workers first, then the API, then Redis
    for (const [service, ids] of Object.entries(containers)) {
      for (const id of ids) {
        const { State } = await inspect(id);
        expect(State.ExitCode, `${service} exit code`).toBe(0); // 137 would be the SIGKILL at the end of the grace period
        expect(dockerTime(State.FinishedAt) - signalled).toBeLessThan(grace[service]);
      }
    }
    expect(await stack.logs('api')).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
    expect(await stack.logs('worker')).toMatch(/"signal":"SIGTERM".*"msg":"shutting down: checkpointing running jobs"/);

    await stack.run(['down']); // containers and network go; the volumes stay
    expect(await stack.containers('api')).toEqual([]);
    await upWithTwoWorkers();
    const interrupted = (await jobCheckpoints(jobId)).filter((c) => c.tags.includes('interrupted'));
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0].epoch).toBeGreaterThanOrEqual(2);
    const job = await poll(() => getJob(jobId), (j) => FINAL_STATES.includes(j.state), 400_000);
    expect(job.state).toBe('succeeded');
    expect(epochsOf(job)).toEqual(oneToN(epochs));

    // What the walk-through stored before is still there and still predicts.
    const models = (await api.json<{ items: { id: string; name: string }[] }>('GET', '/v1/models')).body.items;
    const xor = models.find((m) => m.name === 'xor-mlp');
    expect(xor).toBeDefined();
    const predicted = await api.json('POST', `/v1/models/${xor?.id}/predict`, { instances: [[0, 0], [0, 1], [1, 0], [1, 1]] });
    expect(predicted.body.classes).toEqual([0, 1, 1, 0]);
    // Everything on the shared volume belongs to the user the processes run as.
    expect(await docker(['exec', await stack.container('api'), 'find', '/data', '!', '-user', 'node'])).toBe('');
  });

  it('down -v leaves no container, network or volume of the project behind', async () => {
    await stack.run(['down', '-v', '--remove-orphans']);
    expect(await stack.leftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
