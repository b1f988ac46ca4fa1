// `npm run bench:serve`: the serving hot path against its HTTP ceiling, all in one run. Starts the
// compiled server (embedded mode, temp DATA_DIR) with an MLP 784-128-64-10 (imported weights) and
// runs autocannon phases of `--duration` seconds each:
//   (c) ceiling: a bare Fastify route parsing the same body (bench/serve-ceiling.ts, own process)
//   (a) POST /v1/models/:id/predict, one 784-float instance, `--connections` (32) connections
//   (b) the same through the Open Inference Protocol, POST /v2/models/:id/infer (skipped on a 404)
//   (e) one client, sequential requests
//   (d) (a) while a training job runs
// and reports req/s, p50/p99, errors, the ratio to (c) and the server's event-loop delay.
//   tsx bench/serve.ts [--duration 10] [--connections 32] [--env KEY=VALUE ...] [--phases cabed] [--json]
// `--env` sets server configuration (PREDICT_BATCHING=false, PREDICT_INLINE_MAX_FLOPS=0, ...): how the
// defaults in README "Serving" were chosen.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Trainer, type ModelSpec } from '../src/engine/index.js';
import { client, freePort, scrapeEventLoop, startServer, waitFor, waitForState, type PhaseResult } from './load.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FEATURES = 784;
const SPEC = {
  input: [FEATURES],
  layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
};

interface Target {
  url: string;
  body: string;
}

interface Phase extends Omit<PhaseResult, 'trainingSamplesPerSecond' | 'trainingState'> {
  key: string;
  connections: number;
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function envArguments(): Record<string, string> {
  const env: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    if (arg !== '--env') return;
    const [key, ...value] = (process.argv[i + 1] ?? '').split('=');
    if (key) env[key] = value.join('=');
  });
  return env;
}

let prng = 4242;
const nextRandom = () => (prng = (prng * 1103515245 + 12345) % 2147483648) / 2147483648;
const randomRow = () => Array.from({ length: FEATURES }, () => Math.round(nextRandom() * 1000) / 1000);

async function run(key: string, label: string, target: Target, connections: number, duration: number, baseUrl: string | null): Promise<Phase> {
  if (baseUrl) await scrapeEventLoop(baseUrl); // resets the server's histogram
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: target.body,
    connections,
    duration,
    timeout: 10,
  });
  return {
    key,
    label,
    connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    eventLoopDelayMs: baseUrl ? await scrapeEventLoop(baseUrl) : { p50: NaN, p99: NaN, max: NaN },
  };
}

async function startCeiling(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'serve-ceiling.ts'), String(port)], { cwd: ROOT, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/predict`;
  await waitFor(async () => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instances":[[1]]}' }).catch(() => null))?.ok === true, 20_000);
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function runServeBench(options: { duration: number; connections: number; env: Record<string, string>; phases: string; log: (line: string) => void }) {
  const { duration, connections, log } = options;
  const wanted = (key: string) => options.phases.includes(key);
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-serve-bench-'));
  const server = await startServer(dataDir, options.env);
  const ceiling = await startCeiling();
  const phases: Phase[] = [];
  const notes: string[] = [];
  try {
    const api = client(server.baseUrl);
    const modelId = (await api('POST', '/v1/models', { name: 'mlp-784-128-64-10', spec: SPEC })).id as string;
    const weights = Trainer.create(SPEC as ModelSpec, { seed: 1, optimizer: { type: 'sgd' } }).exportWeights();
    const imported = await fetch(`${server.baseUrl}/v1/models/${modelId}/checkpoints`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: weights });
    if (imported.status !== 201) throw new Error(`import: ${imported.status} ${await imported.text()}`);
    const row = randomRow();
    const v1: Target = { url: `${server.baseUrl}/v1/models/${modelId}/predict`, body: JSON.stringify({ instances: [row] }) };
    const v2: Target = {
      url: `${server.baseUrl}/v2/models/${modelId}/infer`,
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: row }] }),
    };
    const ceilingTarget: Target = { url: ceiling.url, body: v1.body };
    // Warm-up: weights loaded, models built, JIT warm, on both servers.
    await run('warm', 'warm-up', v1, connections, 2, null);
    await run('warm', 'warm-up', ceilingTarget, connections, 2, null);

    if (wanted('c')) {
      log(`(c) ceiling, ${duration} s`);
      phases.push(await run('c', '(c) bare Fastify ceiling', ceilingTarget, connections, duration, null));
    }
    ceiling.stop();
    if (wanted('a')) {
      log(`(a) /v1 predict, ${duration} s`);
      phases.push(await run('a', '(a) /v1 predict', v1, connections, duration, server.baseUrl));
    }
    const probe = await fetch(v2.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: v2.body });
    if (!wanted('b')) {
      // not asked for
    } else if (probe.status === 404) {
      notes.push(`(b) skipped: POST /v2/models/{id}/infer answered 404 (the Open Inference Protocol routes are not on this branch)`);
      log(notes[notes.length - 1]);
    } else {
      log(`(b) /v2 infer, ${duration} s`);
      phases.push(await run('b', '(b) /v2 OIP infer', v2, connections, duration, server.baseUrl));
    }
    if (wanted('e')) {
      log(`(e) one client, sequential, ${duration} s`);
      phases.push(await run('e', '(e) one client, sequential', v1, 1, duration, server.baseUrl));
    }
    if (!wanted('d')) return { phases, notes };

    const datasetId = (await api('POST', '/v1/datasets', {
      name: 'serve-bench', inputShape: [FEATURES],
      inputs: Array.from({ length: 512 }, randomRow), labels: Array.from({ length: 512 }, (_, i) => i % 10),
    })).id as string;
    const trained = (await api('POST', '/v1/models', { name: 'training', spec: SPEC })).id as string;
    const job = (await api('POST', '/v1/jobs', { modelId: trained, datasetId, epochs: 100_000, batchSize: 32, checkpointEvery: 100_000 })).id as string;
    await waitForState(api, job, ['running']);
    await waitFor(async () => ((await api('GET', `/v1/jobs/${job}`)).progress.samplesPerSecond ?? 0) > 0);
    log(`(d) /v1 predict while job ${job} trains, ${duration} s`);
    const during = await run('d', '(d) /v1 predict while training', v1, connections, duration, server.baseUrl);
    const state = await api('GET', `/v1/jobs/${job}`);
    if (state.state !== 'running') notes.push(`(d): the training job was ${state.state} at the end of the phase`);
    notes.push(`(d): training ran at ${Math.round(state.progress.samplesPerSecond ?? 0)} samples/s during the phase`);
    phases.push(during);
    await api('POST', `/v1/jobs/${job}/cancel`);
    await waitForState(api, job, ['cancelled', 'failed', 'succeeded']);
  } finally {
    ceiling.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { phases, notes };
}

export function formatServeReport(phases: Phase[], notes: string[], options: { duration: number; connections: number; env: Record<string, string> }): string {
  const by = (key: string) => phases.find((p) => p.key === key);
  const ratio = (p: Phase, key: string) => {
    const base = by(key);
    return base && p.key !== key ? `${((p.requestsPerSecond / base.requestsPerSecond) * 100).toFixed(0)}%` : '-';
  };
  const env = Object.entries(options.env).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults';
  return [
    `bench:serve: MLP 784-128-64-10, one 784-float instance per request, ${options.duration} s per phase, server config: ${env}`,
    '',
    '| phase | conns | req/s | p50 ms | p99 ms | max ms | errors/timeouts/non-2xx | vs (c) | vs (a) | loop delay p50/p99/max ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...phases.map((p) => `| ${p.label} | ${p.connections} | ${p.requestsPerSecond.toFixed(0)} | ${p.latencyMs.p50} | ${p.latencyMs.p99} | ${p.latencyMs.max} | ${p.errors}/${p.timeouts}/${p.non2xx} | ${ratio(p, 'c')} | ${ratio(p, 'a')} | ${p.key === 'c' ? '-' : `${p.eventLoopDelayMs.p50}/${p.eventLoopDelayMs.p99}/${p.eventLoopDelayMs.max}`} |`),
    ...notes.map((n) => `\n${n}`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const phasesAt = process.argv.indexOf('--phases');
  const options = {
    duration: argument('duration', 10),
    connections: argument('connections', 32),
    env: envArguments(),
    phases: phasesAt === -1 ? 'cabed' : (process.argv[phasesAt + 1] ?? 'cabed'),
  };
  runServeBench({ ...options, log: (line) => console.error(line) }).then(
    ({ phases, notes }) => console.log(process.argv.includes('--json') ? JSON.stringify({ options, phases, notes }, null, 2) : formatServeReport(phases, notes, options)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
