// `npm run bench:load`: does training block the API? Starts the compiled server (embedded mode, temp
// DATA_DIR, loopback), trains a small model, then hammers POST /v1/models/:id/predict with autocannon
// twice for a bounded time: idle, and while a long training job runs in a training thread. Reports
// latency (p50/p99/max), throughput, errors, and the server's event-loop delay (prom-client's
// monitorEventLoopDelay figures from /metrics, reset at each scrape) side by side.
//   tsx bench/load.ts [--duration 10] [--connections 10]
// test/bench/load.slow.test.ts (npm run test:slow) runs a 2-second version and checks only that nothing failed.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FEATURES = 196; // a 14x14 image, flattened
const CLASSES = 10;
const SPEC = {
  input: [FEATURES],
  layers: [
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: CLASSES, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};
/** prom-client samples the loop every 10 ms; its figures include that interval. */
const SAMPLING_MS = 10;

export interface LoadOptions {
  durationSeconds: number;
  connections: number;
  log?: (line: string) => void;
}

export interface PhaseResult {
  label: string;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Event-loop delay of the server beyond the sampling interval, during the phase. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The training job's throughput during the phase, when one ran. */
  trainingSamplesPerSecond: number | null;
  trainingState: string | null;
}

export interface LoadReport {
  idle: PhaseResult;
  training: PhaseResult;
}

export async function runLoadBench(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-load-'));
  const server = await startServer(dataDir);
  try {
    const api = client(server.baseUrl);
    log(`server on ${server.baseUrl}; uploading data and training the served model`);
    const datasetId = (await api('POST', '/v1/datasets', randomDataset(2048))).id as string;
    const served = (await api('POST', '/v1/models', { name: 'served', spec: SPEC })).id as string;
    const first = (await api('POST', '/v1/jobs', { modelId: served, datasetId, epochs: 1, batchSize: 32 })).id as string;
    await waitForState(api, first, ['succeeded']);

    const predict = { url: `${server.baseUrl}/v1/models/${served}/predict`, body: JSON.stringify({ instances: [randomRow()] }) };
    log(`phase 1: ${options.durationSeconds} s of predictions, no training`);
    const idle = await phase('idle', server.baseUrl, predict, options);

    const trained = (await api('POST', '/v1/models', { name: 'training', spec: SPEC })).id as string;
    const long = (await api('POST', '/v1/jobs', { modelId: trained, datasetId, epochs: 100_000, batchSize: 32, checkpointEvery: 100_000 })).id as string;
    await waitForState(api, long, ['running']);
    await waitFor(async () => ((await api('GET', `/v1/jobs/${long}`)).progress.samplesPerSecond ?? 0) > 0);
    log(`phase 2: ${options.durationSeconds} s of predictions while job ${long} trains`);
    const training = await phase('while training', server.baseUrl, predict, options);
    const job = await api('GET', `/v1/jobs/${long}`);
    training.trainingState = job.state;
    training.trainingSamplesPerSecond = job.progress.samplesPerSecond;
    await api('POST', `/v1/jobs/${long}/cancel`);
    await waitForState(api, long, ['cancelled', 'failed', 'succeeded']);
    return { idle, training };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function phase(label: string, baseUrl: string, predict: { url: string; body: string }, options: LoadOptions): Promise<PhaseResult> {
  await scrapeEventLoop(baseUrl); // resets the server's histogram
  const result = await autocannon({
    url: predict.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: predict.body,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
  });
  return {
    label,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    eventLoopDelayMs: await scrapeEventLoop(baseUrl),
    trainingSamplesPerSecond: null,
    trainingState: null,
  };
}

async function scrapeEventLoop(baseUrl: string): Promise<PhaseResult['eventLoopDelayMs']> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (name: string) => {
    const seconds = Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
    return Math.max(0, Math.round((seconds * 1000 - SAMPLING_MS) * 10) / 10);
  };
  return { p50: read('nodejs_eventloop_lag_p50_seconds'), p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

// --- the server process and a tiny client --------------------------------------------------------

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startServer(dataDir: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist', 'server.js')], {
    cwd: ROOT,
    // Request logs off (LOG_LEVEL=warn) and no rate limit or load shedding: this measures the service
    // itself. One training thread and one predict thread, the defaults on a 2-core machine.
    env: {
      PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      RATE_LIMIT_PREDICT_PER_MINUTE: '0', RATE_LIMIT_JOBS_PER_MINUTE: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', PREDICT_THREADS: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok === true, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`server did not start: ${stderr}`, { cause: err });
  }
  return {
    baseUrl,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Api = (method: string, path: string, body?: unknown) => Promise<any>;

export function client(baseUrl: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function waitForState(api: Api, jobId: string, states: string[]): Promise<void> {
  await waitFor(async () => {
    const job = await api('GET', `/v1/jobs/${jobId}`);
    if (job.state === 'failed' && !states.includes('failed')) throw new Error(`job ${jobId} failed: ${JSON.stringify(job.error)}`);
    return states.includes(job.state);
  });
}

/** Deterministic pseudo-random data: the bench measures serving, not learning. */
let prngState = 12345;
const nextRandom = () => (prngState = (prngState * 1103515245 + 12345) % 2147483648) / 2147483648;
const randomRow = () => Array.from({ length: FEATURES }, () => Math.round(nextRandom() * 1000) / 1000);

function randomDataset(count: number) {
  return {
    name: 'load-bench', inputShape: [FEATURES],
    inputs: Array.from({ length: count }, randomRow),
    labels: Array.from({ length: count }, (_, i) => i % CLASSES),
  };
}

export function formatReport(report: LoadReport, options: LoadOptions): string {
  const rows: [string, (p: PhaseResult) => string][] = [
    ['requests (total)', (p) => String(p.requests)],
    ['throughput (req/s)', (p) => p.requestsPerSecond.toFixed(0)],
    ['latency p50 (ms)', (p) => String(p.latencyMs.p50)],
    ['latency p99 (ms)', (p) => String(p.latencyMs.p99)],
    ['latency max (ms)', (p) => String(p.latencyMs.max)],
    ['errors / timeouts / non-2xx', (p) => `${p.errors} / ${p.timeouts} / ${p.non2xx}`],
    ['event-loop delay p50 (ms)', (p) => String(p.eventLoopDelayMs.p50)],
    ['event-loop delay p99 (ms)', (p) => String(p.eventLoopDelayMs.p99)],
    ['event-loop delay max (ms)', (p) => String(p.eventLoopDelayMs.max)],
    ['training throughput (samples/s)', (p) => (p.trainingSamplesPerSecond === null ? '-' : p.trainingSamplesPerSecond.toFixed(0))],
  ];
  const { idle, training } = report;
  return [
    `predict, 1 instance of ${FEATURES} features, ${options.connections} connections, ${options.durationSeconds} s per phase`,
    '',
    `| | ${idle.label} | ${training.label} |`,
    '|---|---|---|',
    ...rows.map(([name, value]) => `| ${name} | ${value(idle)} | ${value(training)} |`),
  ].join('\n');
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options: LoadOptions = { durationSeconds: argument('duration', 10), connections: argument('connections', 10), log: (line) => console.error(line) };
  runLoadBench(options).then(
    (report) => console.log(formatReport(report, options)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
