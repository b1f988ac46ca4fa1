// A row's prediction is the same bits whatever shares its engine call, on every kernel build the test
// matrix runs: what makes dynamic batching exact (one row alone takes the gemv, a batch the packed gemm,
// a 257-row call a 1-row last chunk).

import { describe, expect, it } from 'vitest';
import { Model, Trainer, type ModelSpec } from '../../src/engine/index.js';
import { predictRows } from '../../src/inference/batch-invariant.js';

const SPECS: Record<string, ModelSpec> = {
  mlp: {
    input: [784],
    layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
  } as ModelSpec,
  cnn: {
    input: [8, 8, 1],
    layers: [{ type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'maxPool2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy',
  } as ModelSpec,
};

function setup(spec: ModelSpec, rows: number) {
  const model = Model.fromWeights(spec, Trainer.create(spec, { seed: 3, optimizer: { type: 'sgd' } }).exportWeights());
  const inputs = new Float32Array(rows * model.inputSize).map((_, i) => Math.sin(i * 0.37));
  return { model, inputs };
}

describe('predictRows', () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    it(`${name}: every row equals, bit for bit, the row predicted alone, whatever the batch`, () => {
      const rows = 261;
      const { model, inputs } = setup(spec, rows);
      const size = model.inputSize;
      const alone = Array.from({ length: rows }, (_, i) => predictRows(model, inputs.slice(i * size, (i + 1) * size), 1));
      for (const batch of [2, 3, 4, 7, 64, 257, 261]) {
        for (let start = 0; start + batch <= rows; start += batch * 3 + 1) {
          const out = predictRows(model, inputs.slice(start * size, (start + batch) * size), batch);
          for (let r = 0; r < batch; r++) expect(Array.from(out.subarray(r * model.outputSize, (r + 1) * model.outputSize))).toEqual(Array.from(alone[start + r]));
        }
      }
    });
  }

  it('holds in the engine itself: model.predict of one row gives the bits the same row gets in a batch', () => {
    const { model, inputs } = setup(SPECS.mlp, 8);
    const batched = model.predict(inputs, 8);
    const single = model.predict(inputs.slice(0, model.inputSize), 1);
    expect(Array.from(single)).toEqual(Array.from(batched.subarray(0, model.outputSize)));
  });
});
