// `npm run bench:oip`: the Open Inference Protocol's price. Starts the compiled server (embedded mode,
// temp DATA_DIR, loopback), imports random weights for the MLP 784-128-64-10, and measures with
// autocannon, in alternating rounds so machine load hits both alike: /v1 predict of one 784-float
// instance, and the same instance through POST /v2/models/:id/infer. Reports each round and the
// medians of req/s, p50 and p99, and of the ratio v2/v1 per round (the acceptance asks >= 0.85).
//   tsx bench/oip.ts [--rounds 5] [--duration 5] [--connections 32]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { encodeSafetensors } from '../src/engine/index.js';
import { startServer } from './load.js';

const FEATURES = 784;
const SPEC = {
  input: [FEATURES],
  layers: [
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

let prngState = 4242;
const nextRandom = () => (prngState = (prngState * 1103515245 + 12345) % 2147483648) / 2147483648;
const randoms = (n: number, scale: number) => Float32Array.from({ length: n }, () => (nextRandom() - 0.5) * scale);

function randomWeights(): Uint8Array {
  const sizes: [number, number][] = [[128, FEATURES], [64, 128], [10, 64]];
  return encodeSafetensors(
    sizes.flatMap(([out, inp], i) => [
      [`layers.${i}.weight`, { dtype: 'F32', shape: [out, inp], data: randoms(out * inp, 2 / Math.sqrt(inp)) }],
      [`layers.${i}.bias`, { dtype: 'F32', shape: [out], data: randoms(out, 0.1) }],
    ]),
  );
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
}

async function measure(url: string, body: string, connections: number, duration: number): Promise<Run> {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration, timeout: 10 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.errors + r.timeouts + r.non2xx };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const argument = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

async function main(): Promise<void> {
  const rounds = argument('rounds', 5);
  const duration = argument('duration', 5);
  const connections = argument('connections', 32);
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-oip-bench-'));
  const server = await startServer(dataDir);
  try {
    const post = async (path: string, body: string | Buffer, type: string) => {
      const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    const model = (await post('/v1/models', JSON.stringify({ name: 'oip-bench', spec: SPEC }), 'application/json')).id;
    await post(`/v1/models/${model}/checkpoints`, Buffer.from(randomWeights()), 'application/octet-stream');
    const row = Array.from(randoms(FEATURES, 2), (v) => Math.round(v * 1000) / 1000);
    const v1 = { url: `${server.baseUrl}/v1/models/${model}/predict`, body: JSON.stringify({ instances: [row] }) };
    const v2 = { url: `${server.baseUrl}/v2/models/${model}/infer`, body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: row }] }) };
    await measure(v1.url, v1.body, connections, 1); // warm-up: weights loaded, JIT warm
    await measure(v2.url, v2.body, connections, 1);
    const runs: { v1: Run; v2: Run }[] = [];
    console.log(`| round | v1 req/s | v2 req/s | v2/v1 | v1 p50/p99 ms | v2 p50/p99 ms | errors v1/v2 |\n|---|---|---|---|---|---|---|`);
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so a load drift within a round does not favour one side.
      const first = i % 2 === 0 ? v1 : v2;
      const second = first === v1 ? v2 : v1;
      const a = await measure(first.url, first.body, connections, duration);
      const b = await measure(second.url, second.body, connections, duration);
      const run = first === v1 ? { v1: a, v2: b } : { v1: b, v2: a };
      runs.push(run);
      console.log(`| ${i + 1} | ${run.v1.rps.toFixed(0)} | ${run.v2.rps.toFixed(0)} | ${(run.v2.rps / run.v1.rps).toFixed(2)} | ${run.v1.p50}/${run.v1.p99} | ${run.v2.p50}/${run.v2.p99} | ${run.v1.bad}/${run.v2.bad} |`);
    }
    const m = (side: 'v1' | 'v2', key: keyof Run) => median(runs.map((r) => r[side][key]));
    console.log(
      `| median | ${m('v1', 'rps').toFixed(0)} | ${m('v2', 'rps').toFixed(0)} | ${median(runs.map((r) => r.v2.rps / r.v1.rps)).toFixed(2)} | ${m('v1', 'p50')}/${m('v1', 'p99')} | ${m('v2', 'p50')}/${m('v2', 'p99')} | ${runs.reduce((s, r) => s + r.v1.bad, 0)}/${runs.reduce((s, r) => s + r.v2.bad, 0)} |`,
    );
    console.log(`\n${connections} connections, ${duration} s per side per round, one 784-float instance, MLP 784-128-64-10`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
