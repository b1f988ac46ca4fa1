// The one activation-memory check for a batch and the one byte formatter: exact messages, the
// largest batch that fits, and the trainer refusing an oversized batch through the same check.

import { describe, expect, it } from 'vitest';
import { EngineError, Trainer, checkBatchActivationMemory, formatBytes, validateSpec } from '../../src/engine/index.js';

function rejection(run: () => unknown): EngineError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('accepted');
}

describe('activation memory', () => {
  it('formatBytes: binary units, one decimal below 10', () => {
    expect([0, 512, 1023, 1024, 1536, 10 * 1024, 64 * 1024 * 1024, 1.25 * 1024 ** 3, 3 * 1024 ** 4].map(formatBytes))
      .toEqual(['0 B', '512 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 KiB', '64 MiB', '1.3 GiB', '3.0 TiB']);
  });

  it('checkBatchActivationMemory: a batch within the cap passes; over it, LIMIT_EXCEEDED naming /batchSize and the largest batch', () => {
    expect(() => checkBatchActivationMemory(1000, 10, 10_000)).not.toThrow();
    const error = rejection(() => checkBatchActivationMemory(1000, 11, 10_000, 'JOB_MAX_ACTIVATION_BYTES'));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe('batchSize 11 needs about 11 KiB of activations, over the cap of 9.8 KiB (JOB_MAX_ACTIVATION_BYTES)');
    expect(error.details).toEqual([{ path: '/batchSize', message: 'at most 10 for this model' }]);
    expect(rejection(() => checkBatchActivationMemory(5000, 2, 1000)).details[0].message).toBe('at most 1 for this model');
  });

  it('the trainer refuses a batch over maxActivationBytes with the same check, before training', async () => {
    const spec = { input: [4], layers: [{ type: 'dense', units: 3 }], loss: 'mse' };
    const perSample = validateSpec(spec).activationBytesPerSample;
    // Input 4 floats, then 3 buffers of the 3 outputs: 13 floats.
    expect(perSample).toBe(13 * 4);
    const trainer = Trainer.create(spec, { seed: 1, optimizer: { type: 'sgd' } });
    const data = { inputs: new Float32Array(16), count: 4, targets: new Float32Array(12) };
    let batches = 0;
    await expect(trainer.fit(data, { epochs: 1, batchSize: 4, maxActivationBytes: perSample * 3, onBatchEnd: () => { batches++; } }))
      .rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: [{ path: '/batchSize', message: 'at most 3 for this model' }] });
    expect(batches).toBe(0);
    await trainer.fit(data, { epochs: 1, batchSize: 3, maxActivationBytes: perSample * 3 });
    expect(trainer.epoch).toBe(1);
  });
});
