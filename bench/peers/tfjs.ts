// TensorFlow.js 4.22 in `npm run bench`, with its plain-JavaScript cpu backend and its WebAssembly
// backend (XNNPACK, SIMD, one thread). Batches are made into tensors before the clock starts, so
// tfjs is timed on its compute only.

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DigitSet } from '../../test/helpers/mnist.js';
import { GEMM_FLOPS, gemmOperand, oneHot, rate, type Contender } from './harness.js';

let wasmReady = false;

async function useBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm' && !wasmReady) {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    setThreadsCount(1);
    wasmReady = true;
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
}

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

function cnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

type Shape = 'flat' | 'image';

function inputTensor(data: DigitSet, start: number, count: number, shape: Shape): tf.Tensor {
  const values = data.inputs.subarray(start * 784, (start + count) * 784);
  return shape === 'flat' ? tf.tensor2d(values, [count, 784]) : tf.tensor4d(values, [count, 28, 28, 1]);
}

async function trainingRate(build: () => tf.Sequential, shape: Shape, batchSize: number, batches: number, data: DigitSet, seconds: number): Promise<number> {
  const model = build();
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const targets = oneHot(data.labels, batchSize * batches);
  const xs = Array.from({ length: batches }, (_, i) => inputTensor(data, i * batchSize, batchSize, shape));
  const ys = Array.from({ length: batches }, (_, i) => tf.tensor2d(targets.subarray(i * batchSize * 10, (i + 1) * batchSize * 10), [batchSize, 10]));
  let next = 0;
  try {
    return await rate(async () => {
      await model.trainOnBatch(xs[next], ys[next]);
      next = (next + 1) % batches;
    }, batchSize, seconds);
  } finally {
    tf.dispose([...xs, ...ys]);
    model.dispose();
  }
}

async function inferenceRate(build: () => tf.Sequential, shape: Shape, batchSize: number, count: number, data: DigitSet, seconds: number): Promise<number> {
  const model = build();
  const x = inputTensor(data, 0, count, shape);
  try {
    return await rate(() => {
      const y = model.predict(x, { batchSize }) as tf.Tensor;
      y.dataSync();
      y.dispose();
    }, count, seconds);
  } finally {
    x.dispose();
    model.dispose();
  }
}

export function tfjs(backend: 'cpu' | 'wasm'): Contender {
  const on = <T>(work: (data: DigitSet, seconds: number) => Promise<T>) => async (data: DigitSet, seconds: number) => {
    await useBackend(backend);
    return work(data, seconds);
  };
  // tfjs-cpu needs about 0.1 s per CNN training sample: one batch is plenty.
  const cnnBatches = backend === 'cpu' ? 1 : 4;
  const contender: Contender = {
    name: `tfjs-${backend}`,
    run: {
      gemm: on(async (_data, seconds) => {
        const a = tf.tensor2d(gemmOperand(1), [512, 512]);
        const b = tf.tensor2d(gemmOperand(2), [512, 512]);
        try {
          return await rate(() => {
            const c = tf.matMul(a, b);
            c.dataSync();
            c.dispose();
          }, GEMM_FLOPS / 1e9, seconds);
        } finally {
          tf.dispose([a, b]);
        }
      }),
      mlpTrain: on((data, seconds) => trainingRate(mlp, 'flat', 64, 16, data, seconds)),
      cnnTrain: on((data, seconds) => trainingRate(cnn, 'image', 32, cnnBatches, data, seconds)),
      mlpInfer: on((data, seconds) => inferenceRate(mlp, 'flat', 1024, 4096, data, seconds)),
      cnnInfer: on((data, seconds) => inferenceRate(cnn, 'image', 256, 1024, data, seconds)),
      mlpLatency: on(async (data, seconds) => 1e6 / (await inferenceRate(mlp, 'flat', 1, 1, data, seconds))),
    },
  };
  if (backend === 'wasm') {
    // tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so conv layers cannot train on it.
    delete contender.run.cnnTrain;
    contender.missing = { cnnTrain: 'cannot train conv layers' };
  }
  return contender;
}
