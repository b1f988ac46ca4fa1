// Non-trainable buffers, through a test-only layer type with a float running mean and an int64
// batch counter (test-layers.ts): they are state, not parameters (summary, optimizers), they change
// only through their layer's forward pass, and they travel with the weights: safetensors export and
// import (I64 for the counter), checkpoints and exact resume, early stopping's best weights.

import { describe, expect, it } from 'vitest';
import { EngineError, Model, Trainer, decodeSafetensors, encodeSafetensors } from '../../src/engine/index.js';
import { readSafetensors } from './engine-helpers.js';
import { WITH_TRACK_MEAN } from './test-layers.js';

const SPEC = { input: [3], layers: [{ type: 'trackMean', momentum: 0.5 }, { type: 'dense', units: 2 }], loss: 'mse' };
const INPUTS = [1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 2, 2, 0.5, 0.25, 0, 3, 1, -2];
const DATA = { inputs: Float32Array.from(INPUTS), count: 6, targets: Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1) };
const FIT = { batchSize: 3, shuffle: false };
/** sgd with weight decay: it would visibly move a buffer it was (wrongly) given. */
const OPTIMIZER = { type: 'sgd', learningRate: 0.1, weightDecay: 0.5 } as const;

const trainer = (precision: 'float32' | 'float64' = 'float64') => Trainer.create(SPEC, { seed: 3, optimizer: OPTIMIZER, precision, layers: WITH_TRACK_MEAN });
const buffer = (model: Model, name: string) => model.state.find((t) => t.name === name)!.tensor.value;

/** running = (1 - m)·running + m·batch mean, per feature, over `batches` batches of 3 rows in order. */
function expectedMean(batches: number, momentum = 0.5): number[] {
  const running = [0, 0, 0];
  for (let b = 0; b < batches; b++) {
    const start = (b % 2) * 9;
    for (let f = 0; f < 3; f++) {
      let sum = 0;
      for (let r = 0; r < 3; r++) sum += INPUTS[start + r * 3 + f];
      running[f] = (1 - momentum) * running[f] + momentum * (sum / 3);
    }
  }
  return running;
}

describe('buffers are state, not parameters', () => {
  it('a layer type outside the built-in registry needs the registry that has it', () => {
    expect(() => Model.build(SPEC)).toThrowError(expect.objectContaining({ code: 'SPEC_INVALID', message: expect.stringContaining('"trackMean"') }));
    const model = Model.build(SPEC, { layers: WITH_TRACK_MEAN });
    expect(model.state.map((t) => t.name)).toEqual(['layers.0.running_mean', 'layers.0.num_batches_tracked', 'layers.1.weight', 'layers.1.bias']);
    expect(model.parameters.map((p) => p.name)).toEqual(['layers.1.weight', 'layers.1.bias']);
    // The summary counts trainable parameters only, as PyTorch's sum of parameters().numel() does.
    expect(model.summary.layers.map((l) => l.params)).toEqual([0, 8]);
    expect(model.summary.totalParams).toBe(8);
    expect([...buffer(model, 'layers.0.running_mean')]).toEqual([0, 0, 0]);
    expect(buffer(model, 'layers.0.num_batches_tracked')).toBeInstanceOf(Float64Array);
  });

  it('training moves buffers only through their layer (the optimizer never sees them)', async () => {
    const t = trainer();
    await t.fit(DATA, { ...FIT, epochs: 2 });
    expect([...buffer(t.model, 'layers.0.running_mean')]).toEqual(expectedMean(4));
    expect([...buffer(t.model, 'layers.0.num_batches_tracked')]).toEqual([4]);
    // Prediction is inference: the buffers stay as they are.
    t.model.predict(DATA.inputs, 6);
    expect([...buffer(t.model, 'layers.0.num_batches_tracked')]).toEqual([4]);
  });
});

describe('buffers travel with the weights', () => {
  it('safetensors export names them layers.{i}.<buffer>, the counter as an I64 scalar; import restores them', async () => {
    const t = trainer('float32');
    await t.fit(DATA, { ...FIT, epochs: 1 });
    const bytes = t.exportWeights();
    const { header, dataStart } = readSafetensors(bytes);
    expect(header['layers.0.running_mean']).toMatchObject({ dtype: 'F32', shape: [3] });
    expect(header['layers.0.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    const counter = header['layers.0.num_batches_tracked'].data_offsets[0];
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(dataStart + counter, true)).toBe(2n);

    const copy = Model.fromWeights(SPEC, bytes, { layers: WITH_TRACK_MEAN });
    expect([...buffer(copy, 'layers.0.running_mean')]).toEqual([...buffer(t.model, 'layers.0.running_mean')]);
    expect([...buffer(copy, 'layers.0.num_batches_tracked')]).toEqual([2]);
    expect(Buffer.from(copy.exportWeights()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('import refuses a missing buffer and a counter that is not I64, naming the tensor', () => {
    const model = Model.build(SPEC, { layers: WITH_TRACK_MEAN });
    const tensors = decodeSafetensors(model.exportWeights()).tensors;
    const without = new Map(tensors);
    without.delete('layers.0.running_mean');
    const asFloat = new Map(tensors);
    asFloat.set('layers.0.num_batches_tracked', { dtype: 'F32', shape: [], data: new Float32Array([1]) });
    for (const [bytes, message] of [[encodeSafetensors(without), 'layers.0.running_mean: missing'], [encodeSafetensors(asFloat), 'layers.0.num_batches_tracked: dtype F32, expected I64']] as const) {
      expect(() => model.loadWeights(bytes)).toThrowError(expect.objectContaining({ code: 'WEIGHTS_INVALID', message }));
    }
  });

  it('a step that diverges leaves the buffers as they were before it, like the weights', async () => {
    const t = Trainer.create(SPEC, { seed: 3, optimizer: { type: 'sgd', learningRate: 10 }, precision: 'float32', layers: WITH_TRACK_MEAN });
    const error = await t.fit(DATA, { ...FIT, epochs: 100 }).then(() => null, (err: EngineError) => err);
    expect(error?.code).toBe('DIVERGED');
    const [, epoch, step] = /epoch (\d+), step (\d+)/.exec(error!.message)!.map(Number);
    // The failed step is not counted: the counter holds the steps that completed, 2 an epoch.
    expect([...buffer(t.model, 'layers.0.num_batches_tracked')]).toEqual([2 * (epoch - 1) + step - 1]);
    expect([...buffer(t.model, 'layers.0.running_mean')].every(Number.isFinite)).toBe(true);
  });

  it('checkpoints round-trip them: 2 epochs + checkpoint + 2 epochs === 4 epochs straight, counter included', async () => {
    const straight = trainer();
    await straight.fit(DATA, { ...FIT, epochs: 4 });
    const first = trainer();
    await first.fit(DATA, { ...FIT, epochs: 2 });
    const checkpoint = first.checkpoint();
    expect(decodeSafetensors(checkpoint).tensors.get('state.layers.0.num_batches_tracked')?.data[0]).toBe(4);
    const resumed = Trainer.fromCheckpoint(checkpoint, { layers: WITH_TRACK_MEAN });
    expect([...buffer(resumed.model, 'layers.0.running_mean')]).toEqual(expectedMean(4));
    await resumed.fit(DATA, { ...FIT, epochs: 2 });
    expect([...buffer(resumed.model, 'layers.0.num_batches_tracked')]).toEqual([8]);
    expect([...buffer(resumed.model, 'layers.0.running_mean')]).toEqual(expectedMean(8));
    expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
    expect(Model.fromCheckpoint(checkpoint, { layers: WITH_TRACK_MEAN }).exportWeights()).toEqual(first.exportWeights());
  });

  it("early stopping's restoreBest brings the best epoch's buffers back with its weights", async () => {
    const t = Trainer.create(SPEC, { seed: 3, optimizer: { type: 'sgd', learningRate: 0.05 }, precision: 'float64', layers: WITH_TRACK_MEAN });
    const result = await t.fit(DATA, { ...FIT, epochs: 6, earlyStopping: { monitor: 'loss', patience: 1, restoreBest: true } });
    // The loss rose in epoch 5 (this rate overshoots): training stopped there and went back to epoch 4.
    expect(result).toMatchObject({ stoppedEarly: true, bestEpoch: 4 });
    expect(t.epoch).toBe(5);
    expect([...buffer(t.model, 'layers.0.num_batches_tracked')]).toEqual([8]);
    expect([...buffer(t.model, 'layers.0.running_mean')]).toEqual(expectedMean(8));
  });

  it('checkpoints keep the best buffers too; one without them is refused, naming the tensor', async () => {
    const t = trainer();
    await t.fit(DATA, { ...FIT, epochs: 2, earlyStopping: { monitor: 'loss', patience: 5, restoreBest: true } });
    const checkpoint = t.checkpoint();
    const { tensors, metadata } = decodeSafetensors(checkpoint);
    expect(tensors.get('best.layers.0.num_batches_tracked')?.data[0]).toBe(4);
    expect(() => Trainer.fromCheckpoint(checkpoint, { layers: WITH_TRACK_MEAN })).not.toThrow();
    tensors.delete('best.layers.0.running_mean');
    const error = (() => {
      try {
        Trainer.fromCheckpoint(encodeSafetensors(tensors, metadata), { layers: WITH_TRACK_MEAN });
      } catch (err) {
        return err as EngineError;
      }
      throw new Error('accepted a checkpoint without its best running_mean');
    })();
    expect(error.code).toBe('CHECKPOINT_INVALID');
    expect(error.message).toContain('best.layers.0.running_mean');
  });
});
