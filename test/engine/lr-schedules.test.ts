// Learning-rate schedules and gradient clipping in the trainer: exact resume with every schedule
// (at an epoch end and mid-epoch after a cancel, bit for bit), what a resume restores or restarts,
// the config reader's errors, and each schedule's sequence of rates written out. Values against
// PyTorch are in torch-optim.test.ts.

import { describe, expect, it } from 'vitest';
import { EngineError, Rng, Trainer, validateLrSchedule, type FitConfig, type LrScheduleConfig, type OptimizerConfig, type TrainingData } from '../../src/engine/index.js';
import { clipGradNorm } from '../../src/engine/clip-grad-norm.js';

const CNN = {
  input: [6, 6, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'dropout', rate: 0.25 },
    { type: 'flatten' },
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

function images(count = 45, seed = 3): TrainingData {
  const rng = new Rng(seed, 'images');
  const inputs = new Float32Array(count * 36);
  const labels = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    labels[s] = s % 3;
    const k = rng.nextInt(6);
    for (let i = 0; i < 36; i++) {
      const [r, c] = [Math.floor(i / 6), i % 6];
      const on = s % 3 === 0 ? r === k : s % 3 === 1 ? c === k : r === c;
      inputs[s * 36 + i] = (on ? 1 : 0) + 0.3 * (rng.nextFloat() - 0.5);
    }
  }
  return { inputs, count, labels };
}

const DATA = images();
const STEPS = 5; // 36 training samples, batch 8
const FIT: Omit<FitConfig, 'epochs'> = { batchSize: 8, shuffle: true, validationSplit: 0.2, clipGradNorm: 2 };
const EPOCHS = 5;

const CASES: [string, OptimizerConfig, LrScheduleConfig][] = [
  ['step with rmsprop (centered, momentum)', { type: 'rmsprop', learningRate: 0.01, centered: true, momentum: 0.5 }, { type: 'step', stepSize: 2, gamma: 0.5 }],
  ['exponential with adamw', { type: 'adamw', learningRate: 0.02 }, { type: 'exponential', gamma: 0.8 }],
  ['cosine with adam, past tMax', { type: 'adam', learningRate: 0.02 }, { type: 'cosine', tMax: 2, etaMin: 0.001 }],
  ['reduceOnPlateau on valLoss with sgd momentum', { type: 'sgd', learningRate: 0.8, momentum: 0.9 }, { type: 'reduceOnPlateau', monitor: 'valLoss', factor: 0.5, patience: 0, minLr: 0 }],
];

const withoutTimes = (trainer: Trainer) => trainer.history.map(({ seconds: _seconds, ...rest }) => rest);
const sameWeights = (a: Trainer, b: Trainer) => Buffer.from(a.exportWeights()).equals(Buffer.from(b.exportWeights()));

async function straight(optimizer: OptimizerConfig, lrSchedule: LrScheduleConfig, seed: number): Promise<Trainer> {
  const trainer = Trainer.create(CNN, { seed, optimizer, lrSchedule });
  await trainer.fit(DATA, { ...FIT, epochs: EPOCHS });
  return trainer;
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected the promise to reject');
}

describe('exact resume with every schedule', () => {
  for (const [name, optimizer, lrSchedule] of CASES) {
    it(`${name}: the rate changes, and 2 epochs + checkpoint + resume + 3 === 5 straight, bit for bit`, async () => {
      const reference = await straight(optimizer, lrSchedule, 31);
      const rates = reference.history.map((h) => h.learningRate);
      expect(new Set(rates).size, `rates ${rates.join(', ')}`).toBeGreaterThan(1);
      const first = Trainer.create(CNN, { seed: 31, optimizer, lrSchedule });
      await first.fit(DATA, { ...FIT, epochs: 2 });
      const resumed = Trainer.fromCheckpoint(first.checkpoint());
      expect(resumed.learningRate).toBe(first.learningRate);
      await resumed.fit(DATA, { ...FIT, epochs: EPOCHS - 2 });
      expect(sameWeights(resumed, reference)).toBe(true);
      expect(withoutTimes(resumed)).toEqual(withoutTimes(reference));
      expect(resumed.learningRate).toBe(reference.learningRate);
    });

    it(`${name}: cancelled mid-epoch 2, checkpoint, resume, continue === uninterrupted`, async () => {
      const reference = await straight(optimizer, lrSchedule, 32);
      const trainer = Trainer.create(CNN, { seed: 32, optimizer, lrSchedule });
      const controller = new AbortController();
      let batches = 0;
      const error = await rejection(trainer.fit(DATA, { ...FIT, epochs: EPOCHS, signal: controller.signal, onBatchEnd: () => { if (++batches === STEPS + 2) controller.abort(); } }));
      expect(error.code).toBe('CANCELLED');
      const resumed = Trainer.fromCheckpoint(trainer.checkpoint());
      await resumed.fit(DATA, { ...FIT, epochs: EPOCHS - resumed.epoch });
      expect(sameWeights(resumed, reference)).toBe(true);
      expect(withoutTimes(resumed)).toEqual(withoutTimes(reference));
    });
  }
});

describe('what a resume does with the schedule', () => {
  const optimizer: OptimizerConfig = { type: 'adam', learningRate: 0.02 };
  const lrSchedule: LrScheduleConfig = { type: 'exponential', gamma: 0.5 };

  it('restored with its rate when nothing is sent; restarted from the base rate when a schedule or optimizer is', async () => {
    const trainer = Trainer.create(CNN, { seed: 5, optimizer, lrSchedule });
    await trainer.fit(DATA, { ...FIT, epochs: 2 });
    expect(trainer.learningRate).toBe(0.005);
    const bytes = trainer.checkpoint();
    expect(Trainer.fromCheckpoint(bytes).learningRate).toBe(0.005);

    const newSchedule = Trainer.fromCheckpoint(bytes, { lrSchedule: { type: 'step', stepSize: 1, gamma: 0.1 } });
    expect(newSchedule.learningRate).toBe(0.02);
    await newSchedule.fit(DATA, { ...FIT, epochs: 2 });
    expect(newSchedule.history.map((h) => h.learningRate)).toEqual([0.02, 0.01, 0.02, 0.002]);

    const newOptimizer = Trainer.fromCheckpoint(bytes, { optimizer: { type: 'adam', learningRate: 0.04 } });
    await newOptimizer.fit(DATA, { ...FIT, epochs: 2 });
    // The saved schedule is kept but starts again at epoch 0 from the new base rate.
    expect(newOptimizer.history.slice(2).map((h) => h.learningRate)).toEqual([0.04, 0.02]);

    const kept = Trainer.fromCheckpoint(bytes, { optimizer, lrSchedule, restartSchedule: false });
    expect(kept.learningRate).toBe(0.005);
    const none = Trainer.fromCheckpoint(bytes, { lrSchedule: null });
    await none.fit(DATA, { ...FIT, epochs: 2 });
    expect(none.history.slice(2).map((h) => h.learningRate)).toEqual([0.02, 0.02]);
  });

  it('another optimizer type restarts the schedule even when asked to keep it (the saved rate was the other optimizer\'s)', async () => {
    const trainer = Trainer.create(CNN, { seed: 5, optimizer, lrSchedule });
    await trainer.fit(DATA, { ...FIT, epochs: 1 });
    const other = Trainer.fromCheckpoint(trainer.checkpoint(), { optimizer: { type: 'sgd', learningRate: 0.1 }, restartSchedule: false });
    expect(other.learningRate).toBe(0.1);
  });

  it('reduceOnPlateau watching valLoss without validation data is CONFIG_INVALID at /lrSchedule/monitor', async () => {
    const trainer = Trainer.create(CNN, { seed: 5, optimizer, lrSchedule: { type: 'reduceOnPlateau', monitor: 'valLoss', factor: 0.1, patience: 10, minLr: 0 } });
    const error = await rejection(trainer.fit(DATA, { epochs: 1, batchSize: 8 }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details[0].path).toBe('/lrSchedule/monitor');
  });
});

describe('schedule sequences (torch.optim.lr_scheduler, written out)', () => {
  /** The rates of `epochs` epochs of a tiny regression with `lrSchedule`, and a metric that never improves. */
  async function rates(lrSchedule: LrScheduleConfig, epochs: number, base = 1): Promise<number[]> {
    const spec = { input: [1], layers: [{ type: 'dense', units: 1 }], loss: 'mse' };
    const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'sgd', learningRate: base }, lrSchedule, precision: 'float64' });
    // Zero inputs and targets: the loss stays 0 (never better than the best by the 1e-4 threshold).
    const data = { inputs: new Float32Array(2), count: 2, targets: new Float32Array(2) };
    await trainer.fit(data, { epochs, batchSize: 2 });
    return trainer.history.map((h) => h.learningRate);
  }

  it('step: times gamma every stepSize epochs', async () => {
    expect(await rates({ type: 'step', stepSize: 3, gamma: 0.5 }, 8)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
  });

  it('exponential: times gamma every epoch', async () => {
    expect(await rates({ type: 'exponential', gamma: 0.5 }, 4)).toEqual([1, 0.5, 0.25, 0.125]);
  });

  it('cosine: the closed form etaMin + (base - etaMin)(1 + cos(pi t / tMax)) / 2, periodic past tMax', async () => {
    const got = await rates({ type: 'cosine', tMax: 4, etaMin: 0.1 }, 13, 2);
    got.forEach((rate, t) => expect(rate).toBeCloseTo(0.1 + (1.9 * (1 + Math.cos((Math.PI * t) / 4))) / 2, 12));
    expect(got[4]).toBeCloseTo(0.1, 12);
    expect(got[8]).toBeCloseTo(2, 12);
  });

  it('reduceOnPlateau: a flat loss is no improvement; patience, factor and minLr as torch', async () => {
    // Epoch 1 sets the best (0); epochs 2, 3 are bad; after the 3rd bad epoch (> patience 2) the rate halves.
    expect(await rates({ type: 'reduceOnPlateau', monitor: 'loss', factor: 0.5, patience: 2, minLr: 0.3 }, 11)).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]);
  });
});

describe('lrSchedule config', () => {
  const invalid = (raw: unknown) => {
    try {
      validateLrSchedule(raw);
    } catch (err) {
      expect((err as EngineError).code).toBe('CONFIG_INVALID');
      return (err as EngineError).details[0];
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
  };

  it('fills torch defaults', () => {
    expect(validateLrSchedule({ type: 'step', stepSize: 3 })).toEqual({ type: 'step', stepSize: 3, gamma: 0.1 });
    expect(validateLrSchedule({ type: 'cosine', tMax: 10 })).toEqual({ type: 'cosine', tMax: 10, etaMin: 0 });
    expect(validateLrSchedule({ type: 'reduceOnPlateau' })).toEqual({ type: 'reduceOnPlateau', factor: 0.1, patience: 10, minLr: 0 });
  });

  it('names the field that is wrong', () => {
    expect(invalid({ type: 'step' }).path).toBe('/lrSchedule/stepSize');
    expect(invalid({ type: 'exponential' }).path).toBe('/lrSchedule/gamma');
    expect(invalid({ type: 'cosine', tMax: 0 }).path).toBe('/lrSchedule/tMax');
    expect(invalid({ type: 'reduceOnPlateau', factor: 1 }).path).toBe('/lrSchedule/factor');
    expect(invalid({ type: 'reduceOnPlateau', monitor: 'auc' }).message).toMatch(/monitor/);
    expect(invalid({ type: 'linear' }).path).toBe('/lrSchedule/type');
    expect(invalid({ type: 'step', stepSize: 2, gama: 0.5 }).message).toMatch(/gama/);
  });
});

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('scales every gradient by maxNorm / (total norm + 1e-6) when the norm is larger, over all tensors together', () => {
    const grads = [Float64Array.from([3, 0]), Float64Array.from([4])];
    expect(clipGradNorm(grads, 1)).toBe(5);
    const c = 1 / (5 + 1e-6);
    expect([...grads[0], ...grads[1]]).toEqual([3 * c, 0, 4 * c]);
  });

  it('leaves gradients within the norm untouched', () => {
    const grads = [Float64Array.from([0.3, 0.4])];
    expect(clipGradNorm(grads, 1)).toBeCloseTo(0.5, 15);
    expect([...grads[0]]).toEqual([0.3, 0.4]);
  });

  it('must be a positive number', async () => {
    const trainer = Trainer.create(CNN, { seed: 1, optimizer: { type: 'sgd' } });
    const error = await rejection(trainer.fit(DATA, { epochs: 1, batchSize: 8, clipGradNorm: 0 }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details[0].path).toBe('/clipGradNorm');
  });
});
