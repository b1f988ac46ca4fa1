// ConvNetJS 0.3 (Karpathy's plain-JavaScript library) in `npm run bench`. It works one sample at a
// time (its Trainer accumulates gradients over batch_size samples), so "batch" only sets the update
// interval in training; inference is a forward pass per sample. Inputs become Vols before timing.

import { createRequire } from 'node:module';
import type { DigitSet } from '../../test/helpers/mnist.js';
import { rate, type Contender } from './harness.js';

interface Vol {
  w: Float64Array;
}
interface Net {
  makeLayers(defs: object[]): void;
  forward(x: Vol, training?: boolean): Vol;
}
interface ConvNetJs {
  Net: new () => Net;
  Vol: new (sx: number, sy: number, depth: number, fill: number) => Vol;
  Trainer: new (net: Net, options: object) => { train(x: Vol, y: number): unknown };
}

const convnetjs = createRequire(import.meta.url)('convnetjs') as ConvNetJs;

const MLP_LAYERS = [
  { type: 'input', out_sx: 1, out_sy: 1, out_depth: 784 },
  { type: 'fc', num_neurons: 128, activation: 'relu' },
  { type: 'fc', num_neurons: 64, activation: 'relu' },
  { type: 'softmax', num_classes: 10 },
];

const CNN_LAYERS = [
  { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
  { type: 'conv', sx: 5, filters: 8, stride: 1, pad: 2, activation: 'relu' },
  { type: 'pool', sx: 2, stride: 2 },
  { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 2, activation: 'relu' },
  { type: 'pool', sx: 2, stride: 2 },
  { type: 'softmax', num_classes: 10 },
];

function net(layers: object[]): Net {
  const n = new convnetjs.Net();
  n.makeLayers(layers);
  return n;
}

/** Digits as Vols: [1, 1, 784] for the MLP, [28, 28, 1] for the CNN (ConvNetJS indexes (x, y, d) as ours does). */
function vols(data: DigitSet, count: number, image: boolean): Vol[] {
  return Array.from({ length: count }, (_, i) => {
    const v = image ? new convnetjs.Vol(28, 28, 1, 0) : new convnetjs.Vol(1, 1, 784, 0);
    v.w.set(data.inputs.subarray(i * 784, (i + 1) * 784));
    return v;
  });
}

async function trainingRate(layers: object[], image: boolean, batchSize: number, data: DigitSet, seconds: number): Promise<number> {
  const model = net(layers);
  const trainer = new convnetjs.Trainer(model, { method: 'adam', learning_rate: 0.001, batch_size: batchSize, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2_decay: 0 });
  const xs = vols(data, batchSize, image);
  return rate(() => {
    for (let i = 0; i < batchSize; i++) trainer.train(xs[i], data.labels[i]);
  }, batchSize, seconds);
}

async function inferenceRate(layers: object[], image: boolean, count: number, data: DigitSet, seconds: number): Promise<number> {
  const model = net(layers);
  const xs = vols(data, count, image);
  return rate(() => {
    for (const x of xs) model.forward(x, false);
  }, count, seconds);
}

export function convnet(): Contender {
  return {
    name: 'convnetjs',
    run: {
      mlpTrain: (data, seconds) => trainingRate(MLP_LAYERS, false, 64, data, seconds),
      cnnTrain: (data, seconds) => trainingRate(CNN_LAYERS, true, 32, data, seconds),
      mlpInfer: (data, seconds) => inferenceRate(MLP_LAYERS, false, 1024, data, seconds),
      cnnInfer: (data, seconds) => inferenceRate(CNN_LAYERS, true, 256, data, seconds),
      mlpLatency: async (data, seconds) => 1e6 / (await inferenceRate(MLP_LAYERS, false, 1, data, seconds)),
    },
    missing: { gemm: 'no matrix-multiply API' },
  };
}
