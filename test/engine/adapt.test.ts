// Buffers taken from the training data (Layer.adapt), through a test-only `center` layer that
// subtracts a per-feature mean: set once, from the training samples only, when a new trainer first
// fits; kept as they are by a trainer that resumes a checkpoint or starts from imported weights.

import { describe, expect, it } from 'vitest';
import { Model, Trainer } from '../../src/engine/index.js';
import { prepareData, splitValidation } from '../../src/engine/training-data.js';
import { WITH_TEST_LAYERS } from './test-layers.js';

const layers = WITH_TEST_LAYERS;
const FIRST = { input: [2], layers: [{ type: 'center' }, { type: 'dense', units: 1 }], loss: 'mse' };
const LATER = { input: [2], layers: [{ type: 'dense', units: 3, activation: 'tanh' }, { type: 'center' }, { type: 'dense', units: 1 }], loss: 'mse' };
const data = (count: number, offset: number) => ({
  inputs: Float32Array.from({ length: 2 * count }, (_, i) => offset + (i % 2 === 0 ? i : -i / 3)),
  count,
  targets: Float32Array.from({ length: count }, (_, i) => i % 2),
});
const TRAIN = data(10, 0);
const OTHER = data(10, 100);

const meanOf = (model: Model) => [...model.state.find((t) => t.name.endsWith('.mean'))!.tensor.value];

/** Per-feature mean of `rows` rows of width `features`, summed in row order as the layer does. */
function columnMeans(values: ArrayLike<number>, rows: number, features: number): number[] {
  return Array.from({ length: features }, (_, f) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += values[r * features + f];
    return sum / rows;
  });
}

describe('Layer.adapt', () => {
  it('a new trainer sets the buffer from the training samples, the validation split excluded', async () => {
    const trainer = Trainer.create(FIRST, { seed: 1, optimizer: { type: 'sgd' }, precision: 'float64', layers });
    expect(meanOf(trainer.model)).toEqual([0, 0]);
    await trainer.fit(TRAIN, { epochs: 1, batchSize: 4, validationSplit: 0.3 });
    const [train] = splitValidation(prepareData(trainer.model, TRAIN), 0.3, 1);
    expect(train.count).toBe(7);
    expect(meanOf(trainer.model)).toEqual(columnMeans(train.inputs, 7, 2));
    expect(meanOf(trainer.model)).not.toEqual(columnMeans(TRAIN.inputs, 10, 2));
  });

  it('a later layer adapts to its own input (the earlier layers run in inference mode)', async () => {
    const trainer = Trainer.create(LATER, { seed: 2, optimizer: { type: 'sgd' }, precision: 'float64', layers });
    const before = Model.build(LATER, { seed: 2, precision: 'float64', layers });
    const hidden = before.layers[0].forward(Float64Array.from(TRAIN.inputs), 10, { training: false, rng: null });
    await trainer.fit(TRAIN, { epochs: 1, batchSize: 4, validationData: OTHER });
    expect(meanOf(trainer.model)).toEqual(columnMeans(hidden, 10, 3));
  });

  it('happens once: a second fit, a resumed checkpoint and imported weights keep the buffer', async () => {
    const trainer = Trainer.create(FIRST, { seed: 1, optimizer: { type: 'sgd' }, layers });
    await trainer.fit(TRAIN, { epochs: 1, batchSize: 5 });
    const adapted = meanOf(trainer.model);
    await trainer.fit(OTHER, { epochs: 1, batchSize: 5 });
    expect(meanOf(trainer.model)).toEqual(adapted);

    const resumed = Trainer.fromCheckpoint(trainer.checkpoint(), { layers });
    await resumed.fit(OTHER, { epochs: 1, batchSize: 5 });
    expect(meanOf(resumed.model)).toEqual(adapted);

    const imported = Trainer.fromWeights(FIRST, trainer.exportWeights(), { seed: 5, optimizer: { type: 'adam' }, layers });
    await imported.fit(OTHER, { epochs: 1, batchSize: 5 });
    expect(meanOf(imported.model)).toEqual(adapted);
  });

  it('a checkpoint of a trainer that never fitted still adapts when resumed', async () => {
    const fresh = Trainer.fromCheckpoint(Trainer.create(FIRST, { seed: 1, optimizer: { type: 'sgd' }, layers }).checkpoint(), { layers });
    await fresh.fit(TRAIN, { epochs: 1, batchSize: 5 });
    expect(meanOf(fresh.model)).toEqual(columnMeans(Float32Array.from(TRAIN.inputs), 10, 2).map((v) => Math.fround(v)));
  });
});
