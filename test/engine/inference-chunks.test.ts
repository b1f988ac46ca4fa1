// Issue 10, finding 2 (engine side): predict and evaluate run in chunks sized from an activation
// budget, and the chunk size changes nothing in the results.

import { describe, expect, it } from 'vitest';
import { evaluate, inferenceChunkSize, Model } from '../../src/engine/index.js';

describe('inference chunks from an activation budget', () => {
  it('fits as many samples as the budget holds, at least 1 and at most the largest', () => {
    expect(inferenceChunkSize(49 * 2 ** 20, 128 * 2 ** 20)).toBe(2);
    expect(inferenceChunkSize(49 * 2 ** 20, 16 * 2 ** 20)).toBe(1);
    expect(inferenceChunkSize(1000, 128 * 2 ** 20)).toBe(256);
    expect(inferenceChunkSize(1000, 10_000, 8)).toBe(8);
  });

  it('predict and evaluate give the same values (to float32 rounding) in chunks of 1, 3 and 256', () => {
    const model = Model.build({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy' }, { seed: 3 });
    const count = 10;
    const inputs = Float32Array.from({ length: count * 16 }, (_, i) => Math.sin(i));
    const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
    const whole = model.predict(inputs, count, 256);
    const reference = evaluate(model, { inputs, count, labels }, 256);
    // The GEMM kernel blocks by batch size, so float32 sums may round differently: equal to 1e-6.
    for (const chunk of [1, 3]) {
      model.predict(inputs, count, chunk).forEach((v, i) => expect(v).toBeCloseTo(whole[i], 6));
      const chunked = evaluate(model, { inputs, count, labels }, chunk);
      expect(chunked.loss).toBeCloseTo(reference.loss, 6);
      expect(chunked.confusionMatrix).toEqual(reference.confusionMatrix);
    }
  });
});
