// onnxruntime-node (1 intra-op thread, sequential) in `npm run bench`, running the same models as
// ours exported with src/export (the service's ONNX export), same weights and chunk sizes as ours.
// Inference only: onnxruntime-node does not train. Input tensors are made before the clock starts.

import * as ort from 'onnxruntime-node';
import { Trainer } from '../../src/engine/index.js';
import { encodeOnnx } from '../../src/export/onnx.js';
import { CNN_SPEC, MLP_SPEC, type DigitSet } from '../../test/helpers/mnist.js';
import { rate, type Contender } from './harness.js';

async function session(spec: unknown): Promise<{ session: ort.InferenceSession; shape: number[] }> {
  const model = Trainer.create(spec, { seed: 1, optimizer: { type: 'adam', learningRate: 0.001 } }).model;
  const graph = model.inferenceGraph();
  const bytes = encodeOnnx(graph);
  const created = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  return { session: created, shape: [...graph.inputShape] };
}

async function inferenceRate(spec: unknown, batchSize: number, count: number, data: DigitSet, seconds: number): Promise<number> {
  const { session: s, shape } = await session(spec);
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    feeds.push({ [s.inputNames[0]]: new ort.Tensor('float32', data.inputs.subarray(start * 784, (start + n) * 784), [n, ...shape]) });
  }
  try {
    return await rate(async () => {
      for (const feed of feeds) await s.run(feed);
    }, count, seconds);
  } finally {
    await s.release();
  }
}

export function onnxruntime(): Contender {
  return {
    name: 'onnxruntime',
    run: {
      mlpInfer: (data, seconds) => inferenceRate(MLP_SPEC, 1024, 4096, data, seconds),
      cnnInfer: (data, seconds) => inferenceRate(CNN_SPEC, 256, 1024, data, seconds),
      mlpLatency: async (data, seconds) => 1e6 / (await inferenceRate(MLP_SPEC, 1, 1, data, seconds)),
    },
    missing: { gemm: 'not measured', mlpTrain: 'inference only', cnnTrain: 'inference only' },
  };
}
