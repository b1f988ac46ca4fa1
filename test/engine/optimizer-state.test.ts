// Optimizer defaults and state in checkpoints: every optimizer has torch's learningRate default;
// a checkpoint records its optimizer's slots, and resuming with an unknown or missing slot or
// tensor is CHECKPOINT_INVALID naming it, never a silent fresh start. Checkpoints written before
// the slots were recorded still resume exactly.

import { describe, expect, it } from 'vitest';
import { EngineError, Trainer, decodeSafetensors, encodeSafetensors, validateOptimizerConfig, type OptimizerConfig } from '../../src/engine/index.js';

const SPEC = { input: [3], layers: [{ type: 'dense', units: 4, activation: 'tanh' }, { type: 'dense', units: 2 }], loss: 'mse' };
const DATA = { inputs: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), count: 8, targets: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)) };
const FIT = { batchSize: 4, shuffle: true };

async function trained(optimizer: OptimizerConfig, epochs: number): Promise<Trainer> {
  const trainer = Trainer.create(SPEC, { seed: 9, optimizer });
  await trainer.fit(DATA, { ...FIT, epochs });
  return trainer;
}

/** The checkpoint with its tensors and metadata state edited. */
function edited(checkpoint: Uint8Array, edit: (tensors: Map<string, { dtype: 'F32' | 'F64' | 'I64'; shape: number[]; data: Float32Array | Float64Array }>, state: Record<string, unknown>) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(checkpoint);
  const state = JSON.parse(metadata.state) as Record<string, unknown>;
  edit(tensors, state);
  return encodeSafetensors(tensors, { ...metadata, state: JSON.stringify(state) });
}

function restoreError(bytes: Uint8Array): EngineError {
  try {
    Trainer.fromCheckpoint(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('the checkpoint was accepted');
}

describe('learningRate defaults (torch.optim)', () => {
  it('sgd 0.01 and adam 0.001 when the config names only the type', () => {
    expect(validateOptimizerConfig({ type: 'sgd' })).toEqual({ type: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(validateOptimizerConfig({ type: 'adam' })).toEqual({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
  });

  it('training with the default is training with that rate written out', async () => {
    const implicit = await trained({ type: 'sgd' }, 2);
    const explicit = await trained({ type: 'sgd', learningRate: 0.01 }, 2);
    const other = await trained({ type: 'sgd', learningRate: 0.02 }, 2);
    expect(Buffer.from(implicit.exportWeights()).equals(Buffer.from(explicit.exportWeights()))).toBe(true);
    expect(Buffer.from(implicit.exportWeights()).equals(Buffer.from(other.exportWeights()))).toBe(false);
  });
});

describe('optimizer state in checkpoints', () => {
  it('records the slots it stores: adam both moments, sgd its momentum buffer, plain sgd none', async () => {
    const slotsOf = (t: Trainer) => JSON.parse(decodeSafetensors(t.checkpoint()).metadata.state).optimizerSlots;
    expect(slotsOf(await trained({ type: 'adam' }, 1))).toEqual(['exp_avg', 'exp_avg_sq']);
    expect(slotsOf(await trained({ type: 'sgd', momentum: 0.9 }, 1))).toEqual(['momentum_buffer']);
    const plain = await trained({ type: 'sgd' }, 1);
    expect(slotsOf(plain)).toEqual([]);
    expect([...decodeSafetensors(plain.checkpoint()).tensors.keys()].filter((n) => n.startsWith('optimizer.'))).toEqual([]);
    // An optimizer that has not stepped yet has no state either.
    expect(slotsOf(Trainer.create(SPEC, { seed: 1, optimizer: { type: 'adam' } }))).toEqual([]);
  });

  it('a missing state tensor is refused, naming it', async () => {
    const checkpoint = (await trained({ type: 'adam' }, 1)).checkpoint();
    const error = restoreError(edited(checkpoint, (tensors) => tensors.delete('optimizer.layers.1.bias.exp_avg_sq')));
    expect(error.code).toBe('CHECKPOINT_INVALID');
    expect(error.message).toContain('optimizer.layers.1.bias.exp_avg_sq');
  });

  it('a slot the checkpoint lists but does not hold is refused, naming the slot', async () => {
    const checkpoint = (await trained({ type: 'adam' }, 1)).checkpoint();
    const error = restoreError(edited(checkpoint, (tensors, state) => {
      for (const name of [...tensors.keys()]) if (name.endsWith('.exp_avg_sq')) tensors.delete(name);
      state.optimizerSlots = ['exp_avg'];
    }));
    expect(error.code).toBe('CHECKPOINT_INVALID');
    expect(error.message).toContain('missing slot "exp_avg_sq"');
  });

  it('an unknown slot is refused, naming it and the slots the optimizer keeps', async () => {
    const checkpoint = (await trained({ type: 'adam' }, 1)).checkpoint();
    const error = restoreError(edited(checkpoint, (tensors) => {
      tensors.set('optimizer.layers.0.weight.momentum_buffer', tensors.get('optimizer.layers.0.weight.exp_avg')!);
    }));
    expect(error.code).toBe('CHECKPOINT_INVALID');
    expect(error.message).toContain('unknown slot "momentum_buffer"');
    expect(error.message).toContain('(this config keeps "exp_avg", "exp_avg_sq")');
    const stray = restoreError(edited(checkpoint, (tensors) => {
      tensors.set('optimizer.layers.7.weight.exp_avg', tensors.get('optimizer.layers.0.weight.exp_avg')!);
    }));
    expect(stray.message).toContain('optimizer.layers.7.weight.exp_avg belongs to no parameter');
  });

  it('an optimizer that has stepped but whose state is gone is refused, naming the slots its config keeps', async () => {
    for (const optimizer of [{ type: 'adam' }, { type: 'sgd', momentum: 0.9 }] as const) {
      const checkpoint = (await trained(optimizer, 1)).checkpoint();
      const error = restoreError(edited(checkpoint, (tensors, state) => {
        for (const name of [...tensors.keys()]) if (name.startsWith('optimizer.')) tensors.delete(name);
        state.optimizerSlots = [];
      }));
      expect(error.code).toBe('CHECKPOINT_INVALID');
      expect(error.message).toMatch(optimizer.type === 'adam' ? /missing slot "exp_avg", "exp_avg_sq" after 2 steps/ : /missing slot "momentum_buffer" after 2 steps/);
    }
    // An older checkpoint lists no slots; Adam still refuses moments that lost their step count.
    const legacy = edited((await trained({ type: 'adam' }, 1)).checkpoint(), (tensors, state) => {
      for (const name of [...tensors.keys()]) if (name.startsWith('optimizer.')) tensors.delete(name);
      delete state.optimizerSlots;
    });
    expect(restoreError(legacy).message).toMatch(/adam state has step 2 but no moments/);
  });

  it('the slots follow the saved config: sgd without momentum keeps none, so it resumes from none', async () => {
    const straight = await trained({ type: 'sgd' }, 3);
    const resumed = Trainer.fromCheckpoint((await trained({ type: 'sgd' }, 1)).checkpoint());
    await resumed.fit(DATA, { ...FIT, epochs: 2 });
    expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
    // A momentum buffer where the saved config keeps none is not silently taken.
    const momentum = (await trained({ type: 'sgd', momentum: 0.9 }, 1)).checkpoint();
    const mislabelled = edited(momentum, (_tensors, state) => {
      state.optimizer = { ...(state.optimizer as object), momentum: 0 };
    });
    expect(restoreError(mislabelled).message).toContain('unknown slot "momentum_buffer" (this config keeps none)');
  });

  for (const optimizer of [{ type: 'adam' }, { type: 'sgd', momentum: 0.9 }] as const) {
    it(`${optimizer.type}: a checkpoint from before slots were recorded still resumes exactly`, async () => {
      const straight = await trained(optimizer, 4);
      const legacy = edited((await trained(optimizer, 2)).checkpoint(), (_tensors, state) => {
        delete state.optimizerSlots;
      });
      const resumed = Trainer.fromCheckpoint(legacy);
      await resumed.fit(DATA, { ...FIT, epochs: 2 });
      expect(Buffer.from(resumed.exportWeights()).equals(Buffer.from(straight.exportWeights()))).toBe(true);
    });
  }

  it('resuming with another optimizer type starts that optimizer fresh (its state is not the old one)', async () => {
    const checkpoint = (await trained({ type: 'adam' }, 2)).checkpoint();
    const switched = Trainer.fromCheckpoint(checkpoint, { optimizer: { type: 'sgd', momentum: 0.5 } });
    const fresh = Trainer.fromCheckpoint(edited(checkpoint, (tensors, state) => {
      for (const name of [...tensors.keys()]) if (name.startsWith('optimizer.')) tensors.delete(name);
      state.optimizerSlots = [];
      state.optimizerStep = 0;
    }), { optimizer: { type: 'sgd', momentum: 0.5 } });
    await switched.fit(DATA, { ...FIT, epochs: 1 });
    await fresh.fit(DATA, { ...FIT, epochs: 1 });
    expect(Buffer.from(switched.exportWeights()).equals(Buffer.from(fresh.exportWeights()))).toBe(true);
  });
});
