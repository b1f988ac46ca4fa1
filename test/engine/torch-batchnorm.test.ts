// batchNorm and normalize against PyTorch 1.13: fixtures made by scripts/torch/batchnorm-fixtures.py
// (float64 reference, committed, so CI needs no Python). For each case: the state_dict names, shapes
// and dtypes our export writes (what load_state_dict checks); on the first batch in training mode the
// outputs, the loss and every gradient; after 3 SGD (momentum, weight decay) and 3 Adam steps the
// parameters, running statistics, num_batches_tracked and eval-mode predictions.
// The engine runs in float64 (agreement to ~1e-12: the same mathematics) and in float32 (the
// product: agreement to float32 rounding, the tolerances below). The `mlp-bias` case holds the trap
// of issue 11: a bias right before a batchNorm has a gradient that is exactly 0 mathematically; we
// check that ours is ~0 too, and train no such case (Adam would turn its float32 noise into steps).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, Model, Trainer, type OptimizerConfig, type Precision } from '../../src/engine/index.js';
import { analyticGradients } from './engine-helpers.js';

interface FixtureTensor { shape: number[]; data: number[] }
type StateDict = Record<string, FixtureTensor>;
interface Case {
  name: string;
  spec: { input: number[]; layers: Record<string, unknown>[]; loss: string };
  count: number;
  batchSize: number;
  steps: number;
  inputs: number[];
  values?: number[];
  labels?: number[];
  initial: StateDict;
  first: { outputs: number[]; loss: number; grads: StateDict };
  trained?: Record<string, { optimizer: OptimizerConfig; state: StateDict; predictions: number[] }>;
}

const FIXTURES = JSON.parse(readFileSync(new URL('./fixtures/torch-batchnorm.json', import.meta.url), 'utf8')) as { cases: Case[] };
const TRAINING = () => ({ training: true, rng: null });

/** |ours - torch| <= atol + rtol·|torch|: float64 runs the same mathematics; float32 rounds each step. */
const TOLERANCE: Record<Precision, { atol: number; rtol: number }> = {
  float64: { atol: 1e-12, rtol: 1e-9 },
  float32: { atol: 2e-6, rtol: 2e-4 },
};

function expectNear(ours: ArrayLike<number>, torch: ArrayLike<number>, precision: Precision, what: string): void {
  const { atol, rtol } = TOLERANCE[precision];
  expect(ours.length, `${what}: length`).toBe(torch.length);
  for (let i = 0; i < torch.length; i++) {
    if (!(Math.abs(ours[i] - torch[i]) <= atol + rtol * Math.abs(torch[i]))) {
      expect.fail(`${what}[${i}]: ours ${ours[i]}, PyTorch ${torch[i]} (${precision})`);
    }
  }
}

/** Sets every state tensor of `model` that `state` names from PyTorch's layout. */
function loadTorchState(model: Model, state: StateDict): void {
  for (const { name, tensor } of model.state) {
    const data = state[name].data;
    for (let i = 0; i < tensor.value.length; i++) tensor.value[i] = data[tensor.toTorchIndex(i)];
  }
}

/** A state tensor (or its gradient) in PyTorch's layout. */
function torchLayout(values: ArrayLike<number>, toTorchIndex: (i: number) => number): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[toTorchIndex(i)] = values[i];
  return out;
}

function data(c: Case, count: number) {
  const width = c.inputs.length / c.count;
  const outputs = c.values ? c.values.length / c.count : 0;
  return {
    inputs: Float32Array.from(c.inputs.slice(0, count * width)),
    count,
    ...(c.values ? { targets: Float32Array.from(c.values.slice(0, count * outputs)) } : { labels: Int32Array.from(c.labels!.slice(0, count)) }),
  };
}

describe.each(FIXTURES.cases.map((c) => [c.name, c] as const))('PyTorch fixture %s', (_name, c) => {
  it('our state tensors are the state_dict PyTorch has: names in order, shapes, I64 counters', () => {
    const model = Model.build(c.spec);
    expect(model.state.map((t) => t.name)).toEqual(Object.keys(c.initial));
    const { tensors } = decodeSafetensors(model.exportWeights());
    for (const [name, tensor] of Object.entries(c.initial)) {
      expect(tensors.get(name)?.shape, name).toEqual(tensor.shape);
      expect(tensors.get(name)?.dtype, name).toBe(name.endsWith('num_batches_tracked') ? 'I64' : 'F32');
    }
  });

  for (const precision of ['float64', 'float32'] as const) {
    it(`${precision}: first batch in training mode: outputs, loss and every gradient`, () => {
      const model = Model.build(c.spec, { precision });
      loadTorchState(model, c.initial);
      const trainCount = c.steps * c.batchSize;
      model.adapt(data(c, trainCount).inputs, trainCount); // normalize: statistics of the training samples
      const batch = data(c, c.batchSize);
      const x = precision === 'float64' ? Float64Array.from(batch.inputs) : Float32Array.from(batch.inputs);
      const targets = 'targets' in batch ? { values: Float64Array.from(batch.targets!) } : { labels: batch.labels };
      const ours = analyticGradients(model, x, c.batchSize, targets, TRAINING);
      expectNear([ours.loss], [c.first.loss], precision, 'loss');
      expectNear(model.forward(x, c.batchSize, TRAINING()).subarray(0, c.first.outputs.length), c.first.outputs, precision, 'outputs');
      model.parameters.forEach(({ name, param }, i) => {
        expectNear(torchLayout(ours.params[i], param.toTorchIndex), c.first.grads[name].data, precision, `d/d${name}`);
      });
      if (c.name === 'mlp-bias') {
        // The trap: exactly 0 in exact arithmetic; rounding noise in both implementations.
        const noise = Math.max(...ours.params[model.parameters.findIndex((p) => p.name === 'layers.0.bias')].map(Math.abs));
        expect(noise).toBeLessThan(precision === 'float64' ? 1e-14 : 1e-6);
      }
    });

    for (const [optimizerName, expected] of Object.entries(c.trained ?? {})) {
      it(`${precision}: ${c.steps} ${optimizerName} steps: parameters, running statistics, counters, eval predictions`, async () => {
        const trainer = Trainer.create(c.spec, { seed: 1, optimizer: expected.optimizer, precision });
        loadTorchState(trainer.model, c.initial);
        await trainer.fit(data(c, c.steps * c.batchSize), { epochs: 1, batchSize: c.batchSize, shuffle: false });
        for (const { name, tensor } of trainer.model.state) {
          const theirs = expected.state[name];
          if (tensor.dtype === 'int64') expect([...tensor.value], name).toEqual(theirs.data);
          else expectNear(torchLayout(tensor.value, tensor.toTorchIndex), theirs.data, precision, name);
        }
        expectNear(trainer.model.predict(data(c, c.count).inputs, c.count), expected.predictions, precision === 'float64' ? 'float32' : precision, 'predictions');
      });
    }
  }
});
