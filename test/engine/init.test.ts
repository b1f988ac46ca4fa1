// Weight initialisers: heNormal N(0, sqrt(2/fanIn)), glorotUniform U(-l, l) with
// l = sqrt(6/(fanIn + fanOut)), zeros; the relu family defaults to heNormal, others to glorotUniform;
// biases start at zero unless a biasInitializer says otherwise.

import { describe, expect, it } from 'vitest';
import { Model } from '../../src/engine/index.js';

function stats(values: ArrayLike<number>) {
  let sum = 0;
  let sq = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sq += values[i] * values[i];
    maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean), maxAbs };
}

const dense = (extra: Record<string, unknown>) => Model.build({ input: [400], layers: [{ type: 'dense', units: 300, ...extra }], loss: 'mse' }, { seed: 5 });

describe('initialisers', () => {
  it('heNormal (the relu-family default): mean 0, std sqrt(2/fanIn), zero bias', () => {
    for (const activation of ['relu', 'leakyRelu', 'absRelu']) {
      const [w, b] = dense({ activation }).parameters.map((p) => p.param.value);
      const s = stats(w);
      expect(Math.abs(s.mean)).toBeLessThan(0.001);
      expect(Math.abs(s.std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.01);
      expect(s.maxAbs).toBeGreaterThan(3 * Math.sqrt(2 / 400)); // a plain normal, not a truncated one
      expect(Array.from(b).every((v) => v === 0)).toBe(true);
    }
  });

  it('glorotUniform (the default otherwise): within ±sqrt(6/(fanIn+fanOut)), variance limit²/3', () => {
    for (const activation of ['linear', 'sigmoid', 'tanh', 'softmax']) {
      const [w] = dense({ activation }).parameters.map((p) => p.param.value);
      const limit = Math.sqrt(6 / 700);
      const s = stats(w);
      expect(s.maxAbs).toBeLessThanOrEqual(limit);
      expect(s.maxAbs).toBeGreaterThan(0.99 * limit);
      expect(Math.abs(s.std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
    }
  });

  it('conv2d fans count the receptive field: fanIn = kH·kW·C, fanOut = kH·kW·F', () => {
    const model = Model.build({ input: [32, 32, 6], layers: [{ type: 'conv2d', filters: 50, kernelSize: [5, 3], activation: 'relu' }, { type: 'conv2d', filters: 40, kernelSize: 3 }], loss: 'mse' }, { seed: 2 });
    const he = stats(model.parameters[0].param.value);
    expect(Math.abs(he.std / Math.sqrt(2 / (5 * 3 * 6)) - 1)).toBeLessThan(0.03);
    const glorot = stats(model.parameters[2].param.value);
    const limit = Math.sqrt(6 / (3 * 3 * 50 + 3 * 3 * 40));
    expect(glorot.maxAbs).toBeLessThanOrEqual(limit);
    expect(Math.abs(glorot.std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.03);
  });

  it('per-layer kernelInitializer and biasInitializer override the defaults', () => {
    const zeros = dense({ activation: 'relu', kernelInitializer: 'zeros' }).parameters[0].param.value;
    expect(Array.from(zeros).every((v) => v === 0)).toBe(true);
    const [w, b] = dense({ activation: 'relu', kernelInitializer: 'glorotUniform', biasInitializer: 'heNormal' }).parameters.map((p) => p.param.value);
    expect(stats(w).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 700));
    expect(Array.from(b).some((v) => v !== 0)).toBe(true);
    expect(stats(b).maxAbs).toBeLessThan(6 * Math.sqrt(2 / 400));
  });
});
