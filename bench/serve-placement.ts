// Where should a small predict run: on the event loop or in a predict thread? Times one call of the
// MLP 784-128-64-10 both ways, for several batch sizes, interleaved over rounds (medians), in one
// process: the inline time is also how long the call holds the event loop.
//   tsx bench/serve-placement.ts [--rounds 5]
// Needs dist/ (npm run build): the pool's thread runs the compiled worker.

import { Model, Trainer, type ModelSpec } from '../src/engine/index.js';
import { predictRows } from '../src/inference/batch-invariant.js';
import { PredictPool } from '../src/inference/predict-pool.js';

const SPEC = {
  input: [784],
  layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
} as ModelSpec;
const COUNTS = [1, 4, 18, 64];
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;

const weightsBytes = Trainer.create(SPEC, { seed: 1, optimizer: { type: 'sgd' } }).exportWeights();
const weights = new Uint8Array(new SharedArrayBuffer(weightsBytes.byteLength));
weights.set(weightsBytes);
const model = Model.fromWeights(SPEC, weights);
const pool = new PredictPool({ threads: 1, queueLimit: 64, modelCacheEntries: 2 });
const inputs = (count: number) => new Float32Array(count * 784).map((_, i) => Math.sin(i));

async function timeIt(calls: number, fn: () => unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  return ((performance.now() - started) * 1000) / calls;
}

const results = new Map<string, number[]>();
const record = (key: string, us: number) => results.set(key, [...(results.get(key) ?? []), us]);
for (const count of COUNTS) {
  // warm-up: JIT, the thread, its model cache
  await timeIt(50, () => predictRows(model, inputs(count), count));
  await timeIt(50, () => pool.predict({ checkpointId: 'c', spec: SPEC, weights, inputs: inputs(count), count }));
}
for (let r = 0; r < rounds; r++) {
  for (const count of COUNTS) {
    const calls = Math.max(20, Math.round(400 / count));
    record(`inline ${count}`, await timeIt(calls, () => predictRows(model, inputs(count), count)));
    record(`thread ${count}`, await timeIt(calls, () => pool.predict({ checkpointId: 'c', spec: SPEC, weights, inputs: inputs(count), count })));
  }
}
await pool.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`MLP 784-128-64-10, one call at a time, medians of ${rounds} rounds (microseconds per call)\n`);
console.log('| instances | event loop | thread (round trip) | thread / event loop |\n|---|---|---|---|');
for (const count of COUNTS) {
  const inline = median(results.get(`inline ${count}`)!);
  const thread = median(results.get(`thread ${count}`)!);
  console.log(`| ${count} | ${inline.toFixed(0)} | ${thread.toFixed(0)} | ${(thread / inline).toFixed(2)}x |`);
}
