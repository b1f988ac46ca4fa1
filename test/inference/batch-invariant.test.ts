// A row's prediction is the same bits whatever shares its engine call (predictRows pads every call and
// chunk to the engine's WebAssembly path): what makes dynamic batching exact. Also proves the reason
// for the padding: the engine alone does differ between batch 1 and larger batches.

import { describe, expect, it } from 'vitest';
import { Model, Trainer, type ModelSpec } from '../../src/engine/index.js';
import { paddedCount, predictRows } from '../../src/inference/batch-invariant.js';

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
  it('pads to at least 4 rows and never leaves a 256-row chunk with fewer', () => {
    expect([1, 3, 4, 5, 256, 257, 259, 260, 512, 513].map(paddedCount)).toEqual([4, 4, 4, 5, 256, 260, 260, 260, 512, 516]);
  });

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

  it('is needed: the engine alone gives batch-1 rows other last bits than batched rows', () => {
    const { model, inputs } = setup(SPECS.mlp, 8);
    const batched = model.predict(inputs, 8);
    const single = model.predict(inputs.slice(0, model.inputSize), 1);
    expect(Array.from(single)).not.toEqual(Array.from(batched.subarray(0, model.outputSize)));
  });
});
