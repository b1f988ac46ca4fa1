// batchNorm and normalize: finite-difference gradient checks (float64, training mode, where the
// batch statistics depend on every input), exact values of training vs. inference behaviour against
// formulas written out here, the running statistics and counter, normalize's data statistics, and
// both through the trainer (checkpoints, exact resume, summary). PyTorch comparisons are in
// torch-fixtures.test.ts.

import { describe, expect, it } from 'vitest';
import { Model, Trainer, type ForwardContext } from '../../src/engine/index.js';
import { f32, f64Model, gradientCheck, uniform } from './engine-helpers.js';

const TRAINING = (): ForwardContext => ({ training: true, rng: null });
const INFER: ForwardContext = { training: false, rng: null };

const tensor = (model: Model, name: string) => model.state.find((t) => t.name === name)!.tensor.value;
/** Sets a layer's tensor to seeded values in [lo, hi) (γ and β away from their 1/0 start, so no term hides). */
function randomize(model: Model, name: string, seed: number, lo = -1, hi = 1): void {
  tensor(model, name).set(uniform(tensor(model, name).length, seed, lo, hi));
}

/** Per-feature population mean and variance of `rows` x `features` values, written out plainly. */
function moments(x: ArrayLike<number>, rows: number, features: number) {
  const mean = Array.from({ length: features }, (_, f) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * features + f];
    return s / rows;
  });
  const variance = mean.map((m, f) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += (x[r * features + f] - m) ** 2;
    return s / rows;
  });
  return { mean, variance };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i])));
  }
}

describe('batchNorm: gradient checks in training mode (batch statistics)', () => {
  it('over features: dense (with a bias, whose true gradient is 0) -> batchNorm -> tanh -> dense', () => {
    const model = f64Model({
      input: [5],
      layers: [{ type: 'dense', units: 4, biasInitializer: 'glorotUniform' }, { type: 'batchNorm' }, { type: 'activation', activation: 'tanh' }, { type: 'dense', units: 3 }],
      loss: 'mse',
    }, 3);
    randomize(model, 'layers.1.weight', 1, 0.5, 2);
    randomize(model, 'layers.1.bias', 2);
    gradientCheck(model, uniform(6 * 5, 11, -2, 2), 6, { values: uniform(6 * 3, 12) }, { ctx: TRAINING, what: 'batchNorm features' });
  });

  it('over channels: conv -> batchNorm -> tanh -> flatten -> dense, batch 2', () => {
    const model = f64Model({
      input: [5, 4, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', useBias: false },
        { type: 'batchNorm', epsilon: 1e-3 },
        { type: 'activation', activation: 'tanh' },
        { type: 'flatten' },
        { type: 'dense', units: 2 },
      ],
      loss: 'mse',
    }, 4);
    randomize(model, 'layers.1.weight', 3, 0.5, 2);
    randomize(model, 'layers.1.bias', 4);
    gradientCheck(model, uniform(2 * 40, 21), 2, { values: uniform(4, 22) }, { ctx: TRAINING, what: 'batchNorm channels' });
  });

  it('as the first layer (d/dinput) and after a flatten, with softmax cross-entropy', () => {
    const model = f64Model({
      input: [2, 2, 3],
      layers: [{ type: 'batchNorm' }, { type: 'flatten' }, { type: 'batchNorm', momentum: 0.3 }, { type: 'dense', units: 3, activation: 'softmax' }],
      loss: 'categoricalCrossentropy',
    }, 5);
    for (const i of [0, 2]) {
      randomize(model, `layers.${i}.weight`, 10 + i, 0.5, 2);
      randomize(model, `layers.${i}.bias`, 20 + i);
    }
    gradientCheck(model, uniform(4 * 12, 31, -3, 3), 4, { labels: Int32Array.from([0, 2, 1, 2]) }, { ctx: TRAINING, what: 'batchNorm first' });
  });

  it('in inference mode the running statistics are constants (d/dinput = γ/sqrt(running_var + eps))', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'batchNorm' }, { type: 'dense', units: 2, activation: 'tanh' }], loss: 'mse' }, 6);
    randomize(model, 'layers.0.weight', 1, 0.5, 2);
    randomize(model, 'layers.0.bias', 2);
    randomize(model, 'layers.0.running_mean', 3);
    randomize(model, 'layers.0.running_var', 4, 0.2, 2);
    gradientCheck(model, uniform(5 * 3, 41, -2, 2), 5, { values: uniform(10, 42) }, { what: 'batchNorm inference' });
  });
});

describe('batchNorm: training vs. inference, exactly', () => {
  const SPEC = { input: [2, 3, 2], layers: [{ type: 'batchNorm', momentum: 0.25, epsilon: 0.01 }], loss: 'mse' };
  const build = () => {
    const model = f64Model(SPEC);
    randomize(model, 'layers.0.weight', 1, 0.5, 2);
    randomize(model, 'layers.0.bias', 2);
    randomize(model, 'layers.0.running_mean', 3);
    randomize(model, 'layers.0.running_var', 4, 0.2, 2);
    return model;
  };
  const x = uniform(3 * 12, 51, -2, 3); // 3 samples of 2x3x2: 18 rows of 2 channels

  it('training normalizes with the batch mean and biased variance, then moves the running statistics with the unbiased one', () => {
    const model = build();
    const [gamma, beta, rm, rv] = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => [...tensor(model, `layers.0.${n}`)]);
    const y = Float64Array.from(model.forward(Float64Array.from(x), 3, TRAINING()));
    const { mean, variance } = moments(x, 18, 2);
    expectAllClose(y, Array.from(x, (v, i) => gamma[i % 2] * (v - mean[i % 2]) / Math.sqrt(variance[i % 2] + 0.01) + beta[i % 2]), 1e-14, 'training output');
    expectAllClose(tensor(model, 'layers.0.running_mean'), rm.map((r, c) => 0.75 * r + 0.25 * mean[c]), 1e-15, 'running_mean');
    expectAllClose(tensor(model, 'layers.0.running_var'), rv.map((r, c) => 0.75 * r + 0.25 * variance[c] * 18 / 17), 1e-15, 'running_var');
    expect([...tensor(model, 'layers.0.num_batches_tracked')]).toEqual([1]);
  });

  it('inference uses the running statistics and changes nothing; a sample does not depend on its batch', () => {
    const model = build();
    const before = model.state.map(({ tensor: t }) => [...t.value]);
    const [gamma, beta, rm, rv] = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => [...tensor(model, `layers.0.${n}`)]);
    const expected = Array.from(x, (v, i) => gamma[i % 2] * (v - rm[i % 2]) / Math.sqrt(rv[i % 2] + 0.01) + beta[i % 2]);
    expectAllClose(model.forward(Float64Array.from(x), 3, INFER).subarray(0, 36), expected, 1e-14, 'inference output');
    expectAllClose(model.predict(f32(x), 3), expected, 1e-6, 'predict');
    expectAllClose(model.forward(Float64Array.from(x.subarray(0, 12)), 1, INFER).subarray(0, 12), expected.slice(0, 12), 1e-14, 'one sample alone');
    expect(model.state.map(({ tensor: t }) => [...t.value])).toEqual(before);
    // In training the same sample's output depends on the rest of its batch.
    const alone = Float64Array.from(model.forward(Float64Array.from(x.subarray(0, 12)), 1, TRAINING()).subarray(0, 12));
    const together = model.forward(Float64Array.from(x), 3, TRAINING()).subarray(0, 12);
    expect(Math.max(...alone.map((v, i) => Math.abs(v - together[i])))).toBeGreaterThan(0.01);
  });

  it('a training batch with one value per feature gives β and leaves the running statistics alone (PyTorch refuses it)', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'batchNorm' }], loss: 'mse' });
    randomize(model, 'layers.0.bias', 7);
    const y = model.forward(Float64Array.from([1, 2, 3]), 1, TRAINING());
    expect([...y.subarray(0, 3)]).toEqual([...tensor(model, 'layers.0.bias')]);
    expect([...tensor(model, 'layers.0.running_mean')]).toEqual([0, 0, 0]);
    expect([...tensor(model, 'layers.0.running_var')]).toEqual([1, 1, 1]);
    expect([...tensor(model, 'layers.0.num_batches_tracked')]).toEqual([0]);
  });

  it('declares PyTorch tensors: γ, β trainable; running statistics and the int64 counter as buffers; summary and FLOPs', () => {
    const model = Model.build({ input: [4, 4, 3], layers: [{ type: 'conv2d', filters: 5, kernelSize: 3, useBias: false }, { type: 'batchNorm' }, { type: 'flatten' }, { type: 'batchNorm' }], loss: 'mse' });
    expect(model.state.map((t) => t.name)).toEqual([
      'layers.0.weight',
      'layers.1.weight', 'layers.1.bias', 'layers.1.running_mean', 'layers.1.running_var', 'layers.1.num_batches_tracked',
      'layers.3.weight', 'layers.3.bias', 'layers.3.running_mean', 'layers.3.running_var', 'layers.3.num_batches_tracked',
    ]);
    expect(model.parameters.map((p) => p.name)).toEqual(['layers.0.weight', 'layers.1.weight', 'layers.1.bias', 'layers.3.weight', 'layers.3.bias']);
    expect(model.summary.layers.map((l) => l.params)).toEqual([135, 10, 0, 40]);
    expect(model.summary.layers.map((l) => l.outputShape)).toEqual([[2, 2, 5], [2, 2, 5], [20], [20]]);
    // conv: 2·27·5 per output position (no bias); each batchNorm one multiply-add per element.
    expect(model.summary.flopsPerSample).toBe(4 * 2 * 27 * 5 + 2 * 20 + 2 * 20);
  });

  it('validates momentum and epsilon, naming the field', () => {
    const spec = (layer: Record<string, unknown>) => ({ input: [3], layers: [{ type: 'batchNorm', ...layer }], loss: 'mse' });
    expect(() => Model.build(spec({ momentum: 1.5 }))).toThrowError(expect.objectContaining({ code: 'SPEC_INVALID', details: [expect.objectContaining({ path: '/layers/0/momentum' })] }));
    expect(() => Model.build(spec({ epsilon: 0 }))).toThrowError(expect.objectContaining({ code: 'SPEC_INVALID', details: [expect.objectContaining({ path: '/layers/0/epsilon' })] }));
    expect(() => Model.build(spec({ units: 3 }))).toThrowError(expect.objectContaining({ details: [expect.objectContaining({ path: '/layers/0/units' })] }));
  });
});

describe('normalize', () => {
  it('standardizes per channel of an image with the population statistics of the data it adapted to', () => {
    const model = f64Model({ input: [2, 2, 3], layers: [{ type: 'normalize' }], loss: 'mse' });
    const x = uniform(5 * 12, 61, -4, 9);
    model.adapt(f32(x), 5);
    const { mean, variance } = moments(f32(x), 20, 3);
    expectAllClose(tensor(model, 'layers.0.mean'), mean, 1e-15, 'mean');
    expectAllClose(tensor(model, 'layers.0.variance'), variance, 1e-15, 'variance');
    const y = model.forward(Float64Array.from(f32(x)), 5, TRAINING());
    expectAllClose(y, Array.from(f32(x), (v, i) => (v - mean[i % 3]) / Math.sqrt(variance[i % 3] + 1e-7)), 1e-13, 'output');
    const standardized = moments(y, 20, 3);
    expectAllClose(standardized.mean, [0, 0, 0], 1e-12, 'mean after');
    expectAllClose(standardized.variance, variance.map((v) => v / (v + 1e-7)), 1e-12, 'variance after');
  });

  it('keeps a constant feature finite (variance 0 + 1e-7)', () => {
    const model = Model.build({ input: [2], layers: [{ type: 'normalize' }], loss: 'mse' });
    model.adapt(Float32Array.from([0, 1, 0, 3]), 2);
    expect([...tensor(model, 'layers.0.variance')]).toEqual([0, 1]);
    expect([...model.predict(Float32Array.from([0, 2, 1, 2]), 2)]).toEqual([0, 0, Math.fround(1 / Math.sqrt(1e-7)), 0]);
  });

  it('gradient check of d/dinput (a fixed affine map once adapted)', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'normalize' }, { type: 'dense', units: 2, activation: 'tanh' }], loss: 'mse' });
    model.adapt(f32(uniform(12, 71, -3, 5)), 4);
    gradientCheck(model, uniform(9, 72), 3, { values: uniform(6, 73) }, { ctx: TRAINING, what: 'normalize' });
  });

  it('is allowed only as the first layer, and has no fields', () => {
    const later = { input: [3], layers: [{ type: 'dense', units: 3 }, { type: 'normalize' }], loss: 'mse' };
    expect(() => Model.build(later)).toThrowError(expect.objectContaining({ code: 'SPEC_INVALID', message: expect.stringContaining('first layer'), details: [expect.objectContaining({ path: '/layers/1' })] }));
    expect(() => Model.build({ input: [3], layers: [{ type: 'normalize', epsilon: 1 }], loss: 'mse' })).toThrowError(expect.objectContaining({ details: [expect.objectContaining({ path: '/layers/0/epsilon' })] }));
  });
});

describe('through the trainer', () => {
  const SPEC = {
    input: [4, 4, 1],
    layers: [
      { type: 'normalize' },
      { type: 'conv2d', filters: 3, kernelSize: 3, useBias: false },
      { type: 'batchNorm' },
      { type: 'activation', activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  };
  const count = 30;
  const DATA = { inputs: f32(uniform(count * 16, 81, 3, 8)), labels: Int32Array.from({ length: count }, (_, i) => i % 3), count };
  const FIT = { batchSize: 7, validationSplit: 0.2 };
  const OPTIMIZER = { type: 'adam', learningRate: 0.01 } as const;

  it('trains, counts every training batch, and a checkpoint resumes bit-identically (also mid-epoch)', async () => {
    const straight = Trainer.create(SPEC, { seed: 3, optimizer: OPTIMIZER });
    await straight.fit(DATA, { ...FIT, epochs: 4 });
    // 24 training samples in batches of 7: 4 batches per epoch.
    expect([...tensor(straight.model, 'layers.2.num_batches_tracked')]).toEqual([16]);
    expect([...tensor(straight.model, 'layers.2.running_var')].every((v) => v !== 1)).toBe(true);
    expect(straight.history[3].loss).toBeLessThan(straight.history[0].loss);

    const first = Trainer.create(SPEC, { seed: 3, optimizer: OPTIMIZER });
    const controller = new AbortController();
    await first.fit(DATA, { ...FIT, epochs: 1 });
    await expect(first.fit(DATA, {
      ...FIT, epochs: 3, signal: controller.signal,
      onBatchEnd: ({ epoch, step }) => { if (epoch === 2 && step === 2) controller.abort(); },
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    const resumed = Trainer.fromCheckpoint(first.checkpoint());
    await resumed.fit(DATA, { ...FIT, epochs: 3 });
    expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
  });

  it('exported weights (safetensors) load back into the same model: same bytes, same predictions', async () => {
    const trainer = Trainer.create(SPEC, { seed: 5, optimizer: OPTIMIZER });
    await trainer.fit(DATA, { ...FIT, epochs: 2 });
    const bytes = trainer.exportWeights();
    const copy = Model.fromWeights(SPEC, bytes);
    expect(Buffer.from(copy.exportWeights()).equals(Buffer.from(bytes))).toBe(true);
    expect(copy.predict(DATA.inputs, count)).toEqual(trainer.model.predict(DATA.inputs, count));
    expect([...tensor(copy, 'layers.2.num_batches_tracked')]).toEqual([8]);
  });

  it('normalize adapts once, from the training split; resumed and imported trainers keep its statistics', async () => {
    const trainer = Trainer.create(SPEC, { seed: 4, optimizer: OPTIMIZER });
    await trainer.fit(DATA, { ...FIT, epochs: 1 });
    const mean = [...tensor(trainer.model, 'layers.0.mean')];
    expect(mean[0]).toBeGreaterThan(4); // the data's mean is about 5.5, not the initial 0
    const other = { ...DATA, inputs: DATA.inputs.map((v) => v * 3) };
    const resumed = Trainer.fromCheckpoint(trainer.checkpoint());
    await resumed.fit(other, { ...FIT, epochs: 1 });
    const imported = Trainer.fromWeights(SPEC, trainer.exportWeights(), { seed: 1, optimizer: OPTIMIZER });
    await imported.fit(other, { ...FIT, epochs: 1 });
    for (const t of [trainer, resumed, imported]) expect([...tensor(t.model, 'layers.0.mean')]).toEqual(mean);
  });
});
