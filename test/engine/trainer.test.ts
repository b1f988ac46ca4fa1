// The Trainer's contracts: bit-identical runs from the same seed, exact resume from a checkpoint
// (at an epoch end and mid-epoch after a cancel), early stopping, the divergence guard and
// cancellation.

import { describe, expect, it } from 'vitest';
import { decodeSafetensors, EngineError, evaluate, getKernel, Model, Rng, setKernel, Trainer, typescriptKernel, type FitConfig, type OptimizerConfig, type TrainingData } from '../../src/engine/index.js';

const CNN = {
  input: [6, 6, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'dropout', rate: 0.25 },
    { type: 'flatten' },
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

/** 45 samples of 6x6 images in 3 classes (a bright row, column or diagonal, plus noise). */
function images(count = 45, seed = 3): TrainingData {
  const rng = new Rng(seed, 'images');
  const inputs = new Float32Array(count * 36);
  const labels = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const label = s % 3;
    labels[s] = label;
    const k = rng.nextInt(6);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        const on = label === 0 ? i === k : label === 1 ? j === k : i === j;
        inputs[s * 36 + i * 6 + j] = (on ? 1 : 0) + 0.3 * (rng.nextFloat() - 0.5);
      }
    }
  }
  return { inputs, count, labels };
}

const DATA = images();
// validationSplit 0.2 of 45 -> 36 training samples; batch 8 -> 5 steps per epoch, the last one of 4.
const STEPS = 5;
const FIT: Omit<FitConfig, 'epochs'> = { batchSize: 8, shuffle: true, validationSplit: 0.2 };
const ADAM: OptimizerConfig = { type: 'adam', learningRate: 0.01 };
const MOMENTUM: OptimizerConfig = { type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.001 };

const withoutTimes = (trainer: Trainer) => trainer.history.map(({ seconds: _seconds, ...rest }) => rest);

async function trained(optimizer: OptimizerConfig, seed: number, epochs: number): Promise<Trainer> {
  const trainer = Trainer.create(CNN, { seed, optimizer });
  await trainer.fit(DATA, { ...FIT, epochs });
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

describe('determinism', () => {
  it('same spec, data, config and seed give bit-identical weights; another seed does not', async () => {
    const a = await trained(ADAM, 11, 3);
    const b = await trained(ADAM, 11, 3);
    const c = await trained(ADAM, 12, 3);
    expect(Buffer.from(a.exportWeights()).equals(Buffer.from(b.exportWeights()))).toBe(true);
    expect(withoutTimes(a)).toEqual(withoutTimes(b));
    expect(Buffer.from(a.exportWeights()).equals(Buffer.from(c.exportWeights()))).toBe(false);
    // Training actually changed the weights.
    const initial = Model.build(CNN, { seed: 11 }).exportWeights();
    expect(Buffer.from(a.exportWeights()).equals(Buffer.from(initial))).toBe(false);
  });

  it('Model.build draws the same initial weights for the same seed', () => {
    const a = Model.build(CNN, { seed: 5 }).exportWeights();
    expect(Buffer.from(Model.build(CNN, { seed: 5 }).exportWeights()).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(Model.build(CNN, { seed: 6 }).exportWeights()).equals(Buffer.from(a))).toBe(false);
  });
});

describe('exact resume', () => {
  for (const [name, optimizer] of [['adam', ADAM], ['sgd with nesterov momentum', MOMENTUM]] as const) {
    it(`${name}: 2 epochs + checkpoint + fromCheckpoint + 2 epochs === 4 epochs straight`, async () => {
      const straight = await trained(optimizer, 21, 4);
      const first = await trained(optimizer, 21, 2);
      const resumed = Trainer.fromCheckpoint(first.checkpoint());
      expect(resumed.epoch).toBe(2);
      await resumed.fit(DATA, { ...FIT, epochs: 2 });
      expect(resumed.epoch).toBe(4);
      expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
      expect(withoutTimes(resumed)).toEqual(withoutTimes(straight));
    });

    // k = 3: mid epoch 1; k = STEPS: cancelled right at the end of epoch 1 (before epoch 2's first
    // batch); k = STEPS + 2: mid epoch 2; k = 4·STEPS - 1: one batch before the end.
    for (const k of [3, STEPS, STEPS + 2, 4 * STEPS - 1]) {
      it(`${name}: cancelled after ${k} batches, checkpoint, restore, continue === uninterrupted`, async () => {
        const straight = await trained(optimizer, 22, 4);
        const trainer = Trainer.create(CNN, { seed: 22, optimizer });
        const controller = new AbortController();
        let batches = 0;
        const error = await rejection(trainer.fit(DATA, {
          ...FIT, epochs: 4, signal: controller.signal,
          onBatchEnd: () => { if (++batches === k) controller.abort(); },
        }));
        expect(error.code).toBe('CANCELLED');
        expect(batches).toBe(k);
        const resumed = Trainer.fromCheckpoint(trainer.checkpoint());
        expect(resumed.epoch).toBe(Math.floor(k / STEPS));
        // An epoch in progress counts as the first of this call.
        await resumed.fit(DATA, { ...FIT, epochs: 4 - resumed.epoch });
        expect(resumed.epoch).toBe(4);
        expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
        expect(withoutTimes(resumed)).toEqual(withoutTimes(straight));
      });
    }
  }

  it('the same trainer can continue after a cancel without a checkpoint round trip', async () => {
    const straight = await trained(ADAM, 23, 3);
    const trainer = Trainer.create(CNN, { seed: 23, optimizer: ADAM });
    const controller = new AbortController();
    let batches = 0;
    await rejection(trainer.fit(DATA, { ...FIT, epochs: 3, signal: controller.signal, onBatchEnd: () => { if (++batches === STEPS) controller.abort(); } }));
    await trainer.fit(DATA, { ...FIT, epochs: 3 - trainer.epoch });
    expect(Buffer.from(trainer.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
  });

  it('a checkpoint taken in onEpochEnd resumes exactly', async () => {
    const straight = await trained(MOMENTUM, 24, 3);
    const trainer = Trainer.create(CNN, { seed: 24, optimizer: MOMENTUM });
    let saved: Uint8Array | null = null;
    await trainer.fit(DATA, { ...FIT, epochs: 3, onEpochEnd: (m) => { if (m.epoch === 1) saved = trainer.checkpoint(); } });
    const resumed = Trainer.fromCheckpoint(saved!);
    await resumed.fit(DATA, { ...FIT, epochs: 2 });
    expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
  });
});

describe('early stopping', () => {
  // y = w·x + b trained towards t = x, validated against t = -x: from w = b = 0 gradient descent
  // moves w monotonically towards 1, so the validation loss rises after every epoch.
  const LINEAR = { input: [1], layers: [{ type: 'dense', units: 1 }], loss: 'mse' };
  const xs = Float32Array.from([-1, -0.5, 0.5, 1]);
  const train = { inputs: xs, count: 4, targets: xs };
  const validation = { inputs: xs, count: 4, targets: xs.map((v) => -v) };

  function linearTrainer(): Trainer {
    const trainer = Trainer.create(LINEAR, { seed: 1, optimizer: { type: 'sgd', learningRate: 0.05 } });
    for (const { param } of trainer.model.parameters) param.value.fill(0);
    return trainer;
  }

  it('stops after `patience` epochs without improvement and restores the best epoch\'s weights', async () => {
    const trainer = linearTrainer();
    const result = await trainer.fit(train, { epochs: 20, batchSize: 4, validationData: validation, earlyStopping: { patience: 2, restoreBest: true } });
    expect(result.stoppedEarly).toBe(true);
    expect(result.bestEpoch).toBe(1);
    expect(result.history).toHaveLength(3);
    const [e1, e2, e3] = result.history.map((m) => m.valLoss!);
    expect(e2).toBeGreaterThan(e1);
    expect(e3).toBeGreaterThan(e2);
    const oneEpoch = linearTrainer();
    await oneEpoch.fit(train, { epochs: 1, batchSize: 4 });
    expect(Buffer.from(trainer.exportWeights()).equals(Buffer.from(oneEpoch.exportWeights()))).toBe(true);
  });

  it('without restoreBest the last weights stay', async () => {
    const trainer = linearTrainer();
    await trainer.fit(train, { epochs: 20, batchSize: 4, validationData: validation, earlyStopping: { patience: 2 } });
    const threeEpochs = linearTrainer();
    await threeEpochs.fit(train, { epochs: 3, batchSize: 4 });
    expect(Buffer.from(trainer.exportWeights()).equals(Buffer.from(threeEpochs.exportWeights()))).toBe(true);
  });

  it('minDelta: improvements smaller than minDelta do not count', async () => {
    const improving = linearTrainer();
    const plain = await improving.fit(train, { epochs: 6, batchSize: 4, earlyStopping: { monitor: 'loss', patience: 2 } });
    expect(plain.stoppedEarly).toBe(false);
    expect(plain.history).toHaveLength(6);
    const strict = await linearTrainer().fit(train, { epochs: 6, batchSize: 4, earlyStopping: { monitor: 'loss', patience: 2, minDelta: 10 } });
    expect(strict.stoppedEarly).toBe(true);
    expect(strict.history).toHaveLength(3);
    expect(strict.bestEpoch).toBe(1);
  });

  it('its state (wait count, best value, best weights) survives a checkpoint', async () => {
    const config = { batchSize: 4, validationData: validation, earlyStopping: { patience: 2, restoreBest: true } };
    const straight = linearTrainer();
    const expected = await straight.fit(train, { ...config, epochs: 20 });
    const first = linearTrainer();
    await first.fit(train, { ...config, epochs: 2 });
    const resumed = Trainer.fromCheckpoint(first.checkpoint());
    const result = await resumed.fit(train, { ...config, epochs: 18 });
    expect(result.stoppedEarly).toBe(true);
    expect(result.bestEpoch).toBe(expected.bestEpoch);
    expect(result.history.map((m) => m.valLoss)).toEqual(expected.history.map((m) => m.valLoss));
    expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
  });

  it('monitoring a validation metric without validation data is a CONFIG_INVALID', async () => {
    const error = await rejection(linearTrainer().fit(train, { epochs: 2, batchSize: 4, earlyStopping: { monitor: 'valLoss', patience: 1 } }));
    expect(error.code).toBe('CONFIG_INVALID');
  });
});

describe('divergence guard', () => {
  it('a huge learning rate stops with DIVERGED naming the epoch and step; weights stay finite and checkpoint() works', async () => {
    const spec = { input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' };
    const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'sgd', learningRate: 10 } });
    const count = 8;
    const data = { inputs: Float32Array.from({ length: 2 * count }, (_, i) => 1 + (i % 3)), count, targets: new Float32Array(count).fill(1e30) };
    let last = { epoch: 0, step: 0 };
    const error = await rejection(trainer.fit(data, { epochs: 1000, batchSize: 2, shuffle: false, onBatchEnd: (info) => { last = info; } }));
    expect(error.code).toBe('DIVERGED');
    // The failing step is the one after the last completed batch.
    const [epoch, step] = last.step === 4 ? [last.epoch + 1, 1] : [last.epoch, last.step + 1];
    expect(error.message).toContain(`epoch ${epoch}, step ${step}`);
    for (const { param } of trainer.model.parameters) expect(Array.from(param.value).every(Number.isFinite)).toBe(true);
    const restored = Trainer.fromCheckpoint(trainer.checkpoint());
    expect(Buffer.from(restored.exportWeights()).equals(Buffer.from(trainer.exportWeights()))).toBe(true);
  });

  it('an update that overflows float32 (finite loss and gradient, infinite new weight) is DIVERGED with the last finite weights kept', async () => {
    // y = w·x with x = 1e19, t = 0, w = 0.5: loss 2.5e37 and gradient 2·y·x = 1e38 are finite in
    // float32, but w - 10·1e38 = -1e39 is not.
    const spec = { input: [1], layers: [{ type: 'dense', units: 1, useBias: false }], loss: 'mse' };
    const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'sgd', learningRate: 10 } });
    trainer.model.parameters[0].param.value[0] = 0.5;
    const data = { inputs: Float32Array.from([1e19]), count: 1, targets: Float32Array.from([0]) };
    const error = await rejection(trainer.fit(data, { epochs: 3, batchSize: 1 }));
    expect(error.code).toBe('DIVERGED');
    expect(error.message).toContain('epoch 1, step 1');
    expect(trainer.model.parameters[0].param.value[0]).toBe(0.5);
    expect(Trainer.fromCheckpoint(trainer.checkpoint()).model.parameters[0].param.value[0]).toBe(0.5);
  });

  // Issue 10, finding 12: the rejected step used to leave its trace in the momentum buffer and the
  // step count, so a resumed run was not the run that never tried the step.
  it('a rejected update also rolls back the optimizer state (momentum buffer and step count)', async () => {
    const spec = { input: [1], layers: [{ type: 'dense', units: 1, useBias: false }], loss: 'mse' };
    const benign = { inputs: Float32Array.from([1]), count: 1, targets: Float32Array.from([0]) };
    // With w = 0.5 the gradient 2·(0.5e19)·1e19 = 1e38 is finite in float32; w - 10·1e38 is not.
    const overflow = { inputs: Float32Array.from([1e19]), count: 1, targets: Float32Array.from([0]) };
    const fit = { epochs: 1, batchSize: 1, shuffle: false };
    const optimizerState = (trainer: Trainer) => {
      const file = decodeSafetensors(trainer.checkpoint());
      const state = JSON.parse(file.metadata.state!) as { optimizerStep: number; optimizerSlots: string[] };
      const tensors = [...file.tensors].filter(([name]) => name.startsWith('optimizer.')).map(([name, t]) => [name, [...t.data]]);
      return { step: state.optimizerStep, slots: state.optimizerSlots, tensors };
    };
    const run = async (attemptOverflow: boolean, firstBenign: boolean) => {
      const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'sgd', learningRate: 10, momentum: 0.9 } });
      const w = trainer.model.parameters[0].param.value;
      if (firstBenign) await trainer.fit(benign, fit);
      w[0] = 0.5;
      const before = optimizerState(trainer);
      if (attemptOverflow) {
        const error = await rejection(trainer.fit(overflow, fit));
        expect(error.code).toBe('DIVERGED');
        expect(error.message).toContain('the update made a weight non-finite');
        expect(optimizerState(trainer)).toEqual(before);
      }
      await trainer.fit(benign, fit);
      return trainer;
    };
    for (const firstBenign of [true, false]) {
      // firstBenign false: the rejected step was the first, so no buffer may exist after it either.
      const tried = await run(true, firstBenign);
      const never = await run(false, firstBenign);
      expect(Buffer.from(tried.exportWeights()).equals(Buffer.from(never.exportWeights()))).toBe(true);
      expect(optimizerState(tried)).toEqual(optimizerState(never));
    }
  });

  it('an infinite input is DIVERGED at epoch 1, step 1, with the initial weights kept', async () => {
    const spec = { input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' };
    const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'adam', learningRate: 0.1 } });
    const before = trainer.exportWeights();
    const data = { inputs: Float32Array.from([1, Infinity, 1, 1]), count: 2, targets: Float32Array.from([0, 0]) };
    const error = await rejection(trainer.fit(data, { epochs: 1, batchSize: 2 }));
    expect(error.code).toBe('DIVERGED');
    expect(error.message).toContain('epoch 1, step 1');
    expect(Buffer.from(trainer.exportWeights()).equals(Buffer.from(before))).toBe(true);
  });
});

describe('cancellation', () => {
  it('an already aborted signal stops before the first batch with CANCELLED', async () => {
    const trainer = Trainer.create(CNN, { seed: 1, optimizer: ADAM });
    const before = trainer.exportWeights();
    const error = await rejection(trainer.fit(DATA, { ...FIT, epochs: 2, signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('epoch 1, step 0');
    expect(Buffer.from(trainer.exportWeights()).equals(Buffer.from(before))).toBe(true);
  });

  it('aborting in onBatchEnd stops at the next batch boundary', async () => {
    const trainer = Trainer.create(CNN, { seed: 1, optimizer: ADAM });
    const controller = new AbortController();
    let batches = 0;
    const error = await rejection(trainer.fit(DATA, { ...FIT, epochs: 2, signal: controller.signal, onBatchEnd: () => { if (++batches === 2) controller.abort(); } }));
    expect(error.code).toBe('CANCELLED');
    expect(batches).toBe(2);
    expect(error.message).toContain('epoch 1, step 2');
  });
});

describe('evaluate', () => {
  it('mean loss, accuracy and confusion matrix of a model with known weights', () => {
    // Two inputs, two classes; logits z = [x0, x1] (identity weights, no bias), so the prediction is the larger input.
    const model = Model.build({ input: [2], layers: [{ type: 'dense', units: 2, useBias: false, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    model.parameters[0].param.value.set([1, 0, 0, 1]);
    const inputs = Float32Array.from([2, 0, 0, 1, 1, 0, 0, 3, 1, 1]);
    const labels = Int32Array.from([0, 1, 1, 1, 0]);
    const result = evaluate(model, { inputs, count: 5, labels }, 2);
    // Predicted: 0, 1, 0, 1, 0 (a tie goes to the first class). Correct: samples 0, 1, 3, 4.
    expect(result.accuracy).toBe(4 / 5);
    expect(result.confusionMatrix).toEqual([[2, 0], [1, 2]]);
    const nll = (z: [number, number], label: number) => Math.log(Math.exp(z[0]) + Math.exp(z[1])) - z[label];
    const expected = (nll([2, 0], 0) + nll([0, 1], 1) + nll([1, 0], 1) + nll([0, 3], 1) + nll([1, 1], 0)) / 5;
    expect(Math.abs(result.loss - expected)).toBeLessThan(1e-6);
    expect(result.count).toBe(5);
  });
});

describe('fit results', () => {
  it('history has loss, accuracy and validation metrics per epoch', async () => {
    const trainer = await trained(ADAM, 31, 2);
    const history = trainer.history;
    expect(history.map((m) => m.epoch)).toEqual([1, 2]);
    for (const m of history) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(m.valLoss!)).toBe(true);
      expect(m.valAccuracy).not.toBeNull();
    }
  });

  it('validation data never trains: whatever it holds, the weights are bit-identical; only the validation metrics change', async () => {
    // validationSplit: the held-out samples (the engine's seeded split, reproduced here) scrambled.
    const seed = 32;
    const order = Int32Array.from({ length: DATA.count }, (_, i) => i);
    new Rng(seed, 'validation-split').shuffle(order);
    const heldOut = order.subarray(0, Math.round(DATA.count * FIT.validationSplit!));
    const scrambled = { ...DATA, inputs: Float32Array.from(DATA.inputs), labels: Int32Array.from(DATA.labels!) };
    for (const sample of heldOut) {
      scrambled.inputs.fill(5, sample * 36, (sample + 1) * 36);
      scrambled.labels[sample] = (scrambled.labels[sample] + 1) % 3;
    }
    const split = async (data: TrainingData) => {
      const trainer = Trainer.create(CNN, { seed, optimizer: ADAM });
      await trainer.fit(data, { ...FIT, epochs: 2 });
      return trainer;
    };
    const [plain, changed] = [await split(DATA), await split(scrambled)];
    expect(Buffer.from(changed.exportWeights()).equals(Buffer.from(plain.exportWeights()))).toBe(true);
    expect(changed.history.map((m) => m.loss)).toEqual(plain.history.map((m) => m.loss));
    expect(changed.history.map((m) => m.valLoss)).not.toEqual(plain.history.map((m) => m.valLoss));

    // validationData: two unrelated validation sets, the same weights; and none at all, too.
    const train = { inputs: DATA.inputs.subarray(0, 36 * 36), count: 36, labels: DATA.labels!.subarray(0, 36) };
    const withValidation = async (validationData?: TrainingData) => {
      const trainer = Trainer.create(CNN, { seed, optimizer: ADAM });
      await trainer.fit(train, { batchSize: 8, shuffle: true, epochs: 2, validationData });
      return trainer;
    };
    const a = await withValidation({ inputs: DATA.inputs.subarray(36 * 36), count: 9, labels: DATA.labels!.subarray(36) });
    const b = await withValidation(images(9, 77));
    const none = await withValidation();
    expect(Buffer.from(b.exportWeights()).equals(Buffer.from(a.exportWeights()))).toBe(true);
    expect(Buffer.from(none.exportWeights()).equals(Buffer.from(a.exportWeights()))).toBe(true);
    expect(b.history.map((m) => m.valLoss)).not.toEqual(a.history.map((m) => m.valLoss));
    // The reported validation loss is the final model's loss on exactly that data.
    expect(a.history.at(-1)?.valLoss).toBeCloseTo(evaluate(a.model, { inputs: DATA.inputs.subarray(36 * 36), count: 9, labels: DATA.labels!.subarray(36) }, 3).loss, 6);
  });

  it('rejects data that does not fit the model with SHAPE_MISMATCH', async () => {
    const trainer = Trainer.create(CNN, { seed: 1, optimizer: ADAM });
    const bad = { inputs: new Float32Array(35), count: 1, labels: Int32Array.from([0]) };
    expect((await rejection(trainer.fit(bad, { epochs: 1, batchSize: 1 }))).code).toBe('SHAPE_MISMATCH');
    const badLabel = { inputs: new Float32Array(36), count: 1, labels: Int32Array.from([3]) };
    expect((await rejection(trainer.fit(badLabel, { epochs: 1, batchSize: 1 }))).code).toBe('SHAPE_MISMATCH');
  });
});

// Issue 10, finding 11: a checkpoint records the kernel and thread count its arithmetic ran on.
// Decision: a resume on another one continues (checkpoints stay portable across machines and
// upgrades) and records the switch, in the trainer and in every later checkpoint, because the run
// is then no longer bit-identical to an uninterrupted one. docs/engine.md says so.
describe('the kernel recorded in a checkpoint', () => {
  const recorded = (bytes: Uint8Array) => JSON.parse(decodeSafetensors(bytes).metadata.state!) as { kernel: string; threads: number; kernelSwitches: unknown[] };

  it('a resume on the same kernel records no switch', async () => {
    const trainer = await trained(ADAM, 41, 1);
    expect(recorded(trainer.checkpoint()).kernel).toBe(getKernel().name);
    const resumed = Trainer.fromCheckpoint(trainer.checkpoint());
    expect(resumed.kernelSwitches).toEqual([]);
    expect(recorded(resumed.checkpoint()).kernelSwitches).toEqual([]);
  });

  it('a resume on another kernel continues, and the switch is recorded where it happened and kept in later checkpoints', async () => {
    const original = getKernel();
    expect(original.name).not.toBe(typescriptKernel.name);
    const trainer = Trainer.create(CNN, { seed: 42, optimizer: ADAM });
    const controller = new AbortController();
    let batches = 0;
    await rejection(trainer.fit(DATA, { ...FIT, epochs: 2, signal: controller.signal, onBatchEnd: () => { if (++batches === STEPS + 1) controller.abort(); } }));
    const saved = trainer.checkpoint();
    setKernel(typescriptKernel);
    try {
      const resumed = Trainer.fromCheckpoint(saved);
      // Loading alone runs nothing: the checkpoint it would write still says what ran.
      expect(resumed.kernelSwitches).toEqual([]);
      expect(recorded(resumed.checkpoint()).kernel).toBe(original.name);
      const expected = { epoch: 1, step: 1, from: { kernel: original.name, threads: 1 }, to: { kernel: typescriptKernel.name, threads: 1 } };
      await resumed.fit(DATA, { ...FIT, epochs: 1 });
      expect(resumed.kernelSwitches).toEqual([expected]);
      expect(resumed.epoch).toBe(2);
      const later = recorded(resumed.checkpoint());
      expect(later.kernel).toBe(typescriptKernel.name);
      expect(later.kernelSwitches).toEqual([expected]);
      // Back on the first kernel: a second switch, after the first.
      setKernel(original);
      // The kernel is what the training ran on, not whichever is selected when the checkpoint is taken.
      expect(recorded(resumed.checkpoint()).kernel).toBe(typescriptKernel.name);
      const back = Trainer.fromCheckpoint(resumed.checkpoint());
      await back.fit(DATA, { ...FIT, epochs: 1 });
      expect(back.kernelSwitches).toEqual([expected, { epoch: 2, step: 0, from: expected.to, to: expected.from }]);
    } finally {
      setKernel(original);
    }
  });
});
