// Our engine in `npm run bench`, through its public surface (Trainer, Model.predict, the kernel).

import { getKernel, setKernel, Trainer, type MatMulKernel } from '../../src/engine/index.js';
import { CNN_SPEC, MLP_SPEC } from '../../test/helpers/mnist.js';
import { GEMM_FLOPS, gemmOperand, rate, type Contender } from './harness.js';

const ADAM = { type: 'adam' as const, learningRate: 0.001 };

function trainer(spec: unknown): Trainer {
  return Trainer.create(spec, { seed: 1, optimizer: ADAM });
}

/** Ours on the engine's default kernel, or on `kernel` (a same-run baseline such as plain SIMD). */
export function ours(name = 'ours', kernel: MatMulKernel = getKernel()): Contender {
  const a = gemmOperand(1);
  const b = gemmOperand(2);
  const c = new Float32Array(512 * 512);
  const contender: Contender = {
    name,
    run: {
      gemm: (_data, seconds) => rate(() => getKernel().gemm(false, false, 512, 512, 512, a, 0, 512, b, 0, 512, c, 0, 512, false), GEMM_FLOPS / 1e9, seconds),
      mlpTrain: (data, seconds) => trainingRate(MLP_SPEC, 64, 16, data, seconds),
      cnnTrain: (data, seconds) => trainingRate(CNN_SPEC, 32, 4, data, seconds),
      mlpInfer: (data, seconds) => inferenceRate(MLP_SPEC, 1024, 4096, data, seconds),
      cnnInfer: (data, seconds) => inferenceRate(CNN_SPEC, 256, 1024, data, seconds),
      mlpLatency: async (data, seconds) => {
        const model = trainer(MLP_SPEC).model;
        const one = data.inputs.subarray(0, 784);
        return 1e6 / (await rate(() => void model.predict(one, 1), 1, seconds));
      },
    },
  };
  // Every measurement selects this contender's kernel first (another contender may have switched it).
  for (const [id, run] of Object.entries(contender.run)) {
    contender.run[id as keyof Contender['run']] = (data, seconds) => {
      setKernel(kernel);
      return run(data, seconds);
    };
  }
  return contender;
}

/** One fit() epoch of `batches` batches per step: the whole training loop, as the service runs it. */
async function trainingRate(spec: unknown, batchSize: number, batches: number, data: { inputs: Float32Array; labels: Int32Array }, seconds: number): Promise<number> {
  const t = trainer(spec);
  const count = batchSize * batches;
  const subset = { inputs: data.inputs.subarray(0, count * 784), labels: data.labels.subarray(0, count), count };
  return rate(async () => void (await t.fit(subset, { epochs: 1, batchSize })), count, seconds);
}

async function inferenceRate(spec: unknown, batchSize: number, count: number, data: { inputs: Float32Array }, seconds: number): Promise<number> {
  const model = trainer(spec).model;
  const inputs = data.inputs.subarray(0, count * 784);
  return rate(() => void model.predict(inputs, count, batchSize), count, seconds);
}
