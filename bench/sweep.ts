// `npm run bench:sweep`: the same sweep on 1 and on 2 training workers (distributed mode: a compiled
// API process and `node dist/worker.js` processes with WORKER_CONCURRENCY=1, the real Redis under a
// private prefix, a fresh DATA_DIR per run). Runs alternate (1, 2, 1, 2, ...) so both see the same
// machine load; reports each run's wall clock from submission to the sweep's end, the medians and
// their ratio (ideally the number of workers, bounded by the cores).
//   tsx bench/sweep.ts [--rounds 2] [--trials 4] [--epochs 3]

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'bench-sweep-key';
const FEATURES = 64;
const CLASSES = 4;
const ROWS = 4000;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(file: string, env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', file)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A classification set whose class is the argmax of four fixed projections: learnable, deterministic. */
function dataset(): { rows: number[][]; labels: number[] } {
  let state = 12345;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const row = Array.from({ length: FEATURES }, next);
    const scores = Array.from({ length: CLASSES }, (_, c) => row.slice(c * 16, c * 16 + 16).reduce((a, b) => a + b, 0));
    rows.push(row);
    labels.push(scores.indexOf(Math.max(...scores)));
  }
  return { rows, labels };
}

interface RunResult {
  workers: number;
  seconds: number;
  trialsSucceeded: number;
}

async function runOnce(workers: number, trials: number, epochs: number): Promise<RunResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-bench-sweep-'));
  const prefix = `nn-bench-${randomUUID()}`;
  const port = await freePort();
  const env = { DATA_DIR: dataDir, REDIS_URL, QUEUE_PREFIX: prefix, API_KEYS: KEY, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: '1', RATE_LIMIT_JOBS_PER_MINUTE: '0', MAX_ACTIVE_JOBS_PER_CLIENT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' };
  const children: ChildProcess[] = [];
  try {
    children.push(await start('server.js', env, /nn-service ready/));
    for (let i = 0; i < workers; i++) children.push(await start('worker.js', env, /training worker ready/));
    const base = `http://127.0.0.1:${port}`;
    const data = dataset();
    const ds = await call(base, 'POST', '/v1/datasets', { name: 'bench', inputShape: [FEATURES], inputs: data.rows, labels: data.labels });
    const model = await call(base, 'POST', '/v1/models', {
      name: 'bench',
      spec: { input: [FEATURES], layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: CLASSES, activation: 'softmax' }], loss: 'categoricalCrossentropy' },
    });
    const rates = Array.from({ length: trials }, (_, i) => 0.001 * (i + 1));
    const started = performance.now();
    const sweep = await call(base, 'POST', '/v1/sweeps', {
      name: 'bench', datasetId: ds.body.id, baseModelId: model.body.id,
      base: { epochs, batchSize: 32, optimizer: { type: 'adam' }, checkpointEvery: epochs },
      space: { 'optimizer.learningRate': { values: rates } }, search: 'grid', parallelism: 2, metric: 'loss',
    });
    if (sweep.status !== 202) throw new Error(`sweep refused: ${JSON.stringify(sweep.body)}`);
    for (;;) {
      const current = await call(base, 'GET', `/v1/sweeps/${sweep.body.id}`);
      if (['succeeded', 'failed', 'cancelled'].includes(current.body.state)) {
        const seconds = (performance.now() - started) / 1000;
        return { workers, seconds, trialsSucceeded: current.body.trials.filter((t: { state: string }) => t.state === 'succeeded').length };
      }
      await sleep(100);
    }
  } finally {
    for (const child of children.reverse()) await stop(child);
    await rm(dataDir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const rounds = arg('rounds', 2);
  const trials = arg('trials', 4);
  const epochs = arg('epochs', 3);
  console.log(`sweep: ${trials} trials (grid over learningRate), ${epochs} epochs of ${ROWS} rows x ${FEATURES} features, batch 32, parallelism 2; ${rounds} rounds`);
  const results: RunResult[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const workers of [1, 2]) {
      const result = await runOnce(workers, trials, epochs);
      results.push(result);
      console.log(`round ${round + 1}: ${workers} worker(s): ${result.seconds.toFixed(2)} s, ${result.trialsSucceeded}/${trials} trials succeeded`);
    }
  }
  const one = median(results.filter((r) => r.workers === 1).map((r) => r.seconds));
  const two = median(results.filter((r) => r.workers === 2).map((r) => r.seconds));
  console.log(`median wall clock: 1 worker ${one.toFixed(2)} s, 2 workers ${two.toFixed(2)} s; speed-up (1 worker / 2 workers) ${(one / two).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
