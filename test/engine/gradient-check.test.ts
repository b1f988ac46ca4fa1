// Finite-difference gradient checks in float64 of every layer, activation and loss: dL/dparams and
// dL/dinput from the engine's backward pass against central differences (eps 1e-6).
// Tolerance: relative error |a - n| / max(|a|, |n|, 1e-3) < 1e-6, i.e. an absolute floor of 1e-9.

import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, Model, Rng, type ActivationName } from '../../src/engine/index.js';
import {
  distinct, expectAwayFromKinks, f32, f64Model, gradientCheck, INFERENCE, uniform,
} from './engine-helpers.js';

const KINKED: ReadonlySet<ActivationName> = new Set(['relu', 'leakyRelu', 'absRelu']);

function withAlpha(activation: ActivationName) {
  return activation === 'leakyRelu' ? { activation, alpha: 0.2 } : { activation };
}

function oneHot(labels: number[], classes: number): Float64Array {
  const out = new Float64Array(labels.length * classes);
  labels.forEach((l, i) => { out[i * classes + l] = 1; });
  return out;
}

describe('dense', () => {
  for (const activation of ACTIVATIONS) {
    for (const useBias of [true, false]) {
      it(`${activation}, useBias ${useBias}: d/dweights, d/dbias and d/dinput`, () => {
        const spec = {
          input: [5],
          layers: [
            { type: 'dense', units: 4, useBias, ...withAlpha(activation), biasInitializer: useBias ? 'glorotUniform' : undefined },
            { type: 'dense', units: 3 },
          ],
          loss: 'mse',
        };
        const model = f64Model(JSON.parse(JSON.stringify(spec)), 3);
        const batch = 3;
        const x = uniform(batch * 5, 11, -2, 2);
        if (KINKED.has(activation)) expectAwayFromKinks(model, x, batch);
        gradientCheck(model, x, batch, { values: uniform(batch * 3, 12) }, { what: `dense ${activation}` });
      });
    }
  }

  it('as the last layer with every activation under mse (the non-fused softmax/sigmoid Jacobians)', () => {
    for (const activation of ACTIVATIONS) {
      const model = f64Model({ input: [3], layers: [{ type: 'dense', units: 4, ...withAlpha(activation) }], loss: 'mse' }, 5);
      const x = uniform(2 * 3, 21, -2, 2);
      if (KINKED.has(activation)) expectAwayFromKinks(model, x, 2);
      gradientCheck(model, x, 2, { values: uniform(2 * 4, 22) }, { what: `last dense ${activation}` });
    }
  });
});

describe('conv2d', () => {
  const paddings = ['valid', 'same', 0, 1, 2] as const;
  const setups = [
    // non-square input, non-square kernel, 2 -> 3 channels, batch 2, tanh
    { input: [7, 6, 2], kernelSize: [3, 2], filters: 3, batch: 2, activation: 'tanh', useBias: true },
    // another shape: 3 -> 2 channels, batch 3, linear, no bias, square kernel
    { input: [5, 8, 3], kernelSize: 3, filters: 2, batch: 3, activation: 'linear', useBias: false },
  ] as const;
  for (const setup of setups) {
    for (const strides of [1, 2, 3, [1, 3], [3, 2]] as const) {
      for (const padding of paddings) {
        it(`input ${setup.input.join('x')}, kernel ${JSON.stringify(setup.kernelSize)}, strides ${JSON.stringify(strides)}, padding ${JSON.stringify(padding)}, batch ${setup.batch}`, () => {
          const model = f64Model({
            input: [...setup.input],
            layers: [{
              type: 'conv2d', filters: setup.filters, kernelSize: setup.kernelSize, strides, padding,
              activation: setup.activation, useBias: setup.useBias, biasInitializer: setup.useBias ? 'glorotUniform' : undefined,
            }],
            loss: 'mse',
          }, 7);
          const [h, w, c] = setup.input;
          const x = uniform(setup.batch * h * w * c, 31);
          const out = model.summary.outputShape.reduce((a, b) => a * b, 1);
          gradientCheck(model, x, setup.batch, { values: uniform(setup.batch * out, 32) }, { what: 'conv2d' });
        });
      }
    }
  }

  it('relu conv -> maxPool -> flatten -> dense softmax with categoricalCrossentropy (composition)', () => {
    const model = f64Model({
      input: [6, 5, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'relu', biasInitializer: 'glorotUniform' },
        { type: 'maxPool2d', poolSize: 2, padding: 'same' },
        { type: 'flatten' },
        { type: 'dense', units: 4, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    }, 9);
    const x = uniform(2 * 6 * 5 * 2, 41);
    expectAwayFromKinks(model, x, 2);
    gradientCheck(model, x, 2, { labels: Int32Array.from([1, 3]) }, { what: 'cnn' });
  });
});

describe('pooling', () => {
  for (const type of ['maxPool2d', 'avgPool2d'] as const) {
    for (const poolSize of [2, 3, [2, 3], [3, 1]] as const) {
      for (const strides of [1, 2, 3] as const) {
        for (const padding of ['valid', 'same'] as const) {
          it(`${type} poolSize ${JSON.stringify(poolSize)} strides ${strides} ${padding}, batch 2`, () => {
            const model = f64Model({ input: [7, 5, 2], layers: [{ type, poolSize, strides, padding }], loss: 'mse' });
            const batch = 2;
            // Distinct values 0.05 apart: an eps of 1e-6 never moves the maximum of a window.
            const x = distinct(batch * 7 * 5 * 2, 51);
            const out = model.summary.outputShape.reduce((a, b) => a * b, 1);
            gradientCheck(model, x, batch, { values: uniform(batch * out, 52) }, { what: type });
          });
        }
      }
    }
  }

  it('pooling between layers with parameters (default strides = poolSize)', () => {
    for (const type of ['maxPool2d', 'avgPool2d'] as const) {
      const model = f64Model({
        input: [8, 7, 1],
        layers: [
          { type: 'conv2d', filters: 2, kernelSize: 2, activation: 'tanh' },
          { type, poolSize: [2, 3], padding: 'same' },
          { type: 'flatten' },
          { type: 'dense', units: 2, activation: 'sigmoid' },
        ],
        loss: 'binaryCrossentropy',
      }, 13);
      gradientCheck(model, uniform(3 * 56, 61), 3, { values: Float64Array.from([1, 0, 0, 1, 1, 1]) }, { what: type });
    }
  });
});

describe('flatten', () => {
  it('passes gradients through in NHWC order', () => {
    const model = f64Model({ input: [3, 2, 2], layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'tanh' }], loss: 'mse' });
    gradientCheck(model, uniform(2 * 12, 71), 2, { values: uniform(4, 72) }, { what: 'flatten' });
  });
});

describe('dropout', () => {
  const spec = (rate: number) => ({
    input: [6],
    layers: [
      { type: 'dense', units: 8, activation: 'tanh', biasInitializer: 'glorotUniform' },
      ...(rate > 0 ? [{ type: 'dropout', rate }] : []),
      { type: 'dense', units: 3 },
    ],
    loss: 'mse',
  });

  it('is the identity in inference: predict equals the same network without dropout', () => {
    const withDropout = Model.build(spec(0.5), { seed: 4 });
    const without = Model.build(spec(0), { seed: 4 });
    // Dropout has no parameters, so both models draw the same initial weights; check that anyway.
    withDropout.parameters.forEach(({ param }, i) => expect(param.value).toEqual(without.parameters[i].param.value));
    const x = f32(uniform(5 * 6, 81));
    expect(withDropout.predict(x, 5)).toEqual(without.predict(x, 5));
    const y = withDropout.forward(Float32Array.from(x), 5, INFERENCE());
    expect(Array.from(y.subarray(0, 15))).toEqual(Array.from(without.predict(x, 5)));
  });

  it('in training: a gradient check with a fixed mask (the same seeded rng for every evaluation)', () => {
    const model = f64Model(spec(0.5), 4);
    const ctx = () => ({ training: true, rng: new Rng(99, 'mask') });
    const x = uniform(4 * 6, 82);
    // The mask really drops and rescales: each dropout output is 0 or 2x its input.
    const dropoutIn = Float64Array.from(model.layers[0].forward(x, 4, ctx()));
    const dropoutOut = model.layers[1].forward(dropoutIn, 4, ctx());
    let dropped = 0;
    for (let i = 0; i < 32; i++) {
      if (dropoutOut[i] === 0) dropped++;
      else expect(dropoutOut[i]).toBe(2 * dropoutIn[i]);
    }
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(28);
    gradientCheck(model, x, 4, { values: uniform(12, 83) }, { ctx, what: 'dropout' });
  });
});

describe('standalone activation layers', () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation} as a layer of its own (also as layer 0, for dL/dinput)`, () => {
      const deep = f64Model({ input: [4], layers: [{ type: 'dense', units: 5, biasInitializer: 'glorotUniform' }, { type: 'activation', ...withAlpha(activation) }, { type: 'dense', units: 2 }], loss: 'mse' }, 2);
      const x = uniform(3 * 4, 91, -2, 2);
      if (KINKED.has(activation)) expectAwayFromKinks(deep, x, 3);
      gradientCheck(deep, x, 3, { values: uniform(6, 92) }, { what: `activation ${activation}` });

      const first = f64Model({ input: [2, 3, 4], layers: [{ type: 'activation', ...withAlpha(activation) }], loss: 'mse' });
      // Inputs at least 0.05 away from 0 (the relu-family kink).
      const xs = distinct(2 * 24, 93, 0.05).map((v) => (v >= 0 ? v + 0.05 : v));
      gradientCheck(first, xs, 2, { values: uniform(48, 94) }, { what: `first activation ${activation}` });
    });
  }
});

describe('losses', () => {
  it('mse (mean over all elements)', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'dense', units: 4 }], loss: 'mse' });
    gradientCheck(model, uniform(9, 101), 3, { values: uniform(12, 102, -3, 3) }, { what: 'mse' });
  });

  it('binaryCrossentropy with a final sigmoid (hard and soft targets, several outputs)', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'dense', units: 3, activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    gradientCheck(model, uniform(9, 111, -2, 2), 3, { values: Float64Array.from([1, 0, 1, 0, 0, 1, 1, 1, 0]) }, { what: 'bce hard' });
    gradientCheck(model, uniform(9, 112, -2, 2), 3, { values: uniform(9, 113, 0, 1) }, { what: 'bce soft' });
  });

  it('binaryCrossentropy behind a standalone sigmoid activation layer', () => {
    const model = f64Model({ input: [4], layers: [{ type: 'dense', units: 1 }, { type: 'activation', activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    gradientCheck(model, uniform(8, 114, -2, 2), 2, { values: Float64Array.from([1, 0]) }, { what: 'bce activation layer' });
  });

  it('categoricalCrossentropy with softmax: integer labels, one-hot and soft targets', () => {
    const model = f64Model({ input: [5], layers: [{ type: 'dense', units: 6, activation: 'tanh' }, { type: 'dense', units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy' }, 8);
    const x = uniform(15, 121, -2, 2);
    gradientCheck(model, x, 3, { labels: Int32Array.from([2, 0, 3]) }, { what: 'cce labels' });
    gradientCheck(model, x, 3, { values: oneHot([2, 0, 3], 4) }, { what: 'cce one-hot' });
    const soft = uniform(12, 122, 0, 1);
    for (let s = 0; s < 3; s++) {
      const sum = soft[4 * s] + soft[4 * s + 1] + soft[4 * s + 2] + soft[4 * s + 3];
      for (let j = 0; j < 4; j++) soft[4 * s + j] /= sum;
    }
    gradientCheck(model, x, 3, { values: soft }, { what: 'cce soft' });
    // Unnormalised targets: the gradient must still be that of -Σ t·log softmax(z).
    gradientCheck(model, x, 3, { values: uniform(12, 123, 0, 2) }, { what: 'cce unnormalised' });
  });

  it('categoricalCrossentropy behind a standalone softmax activation layer', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'dense', units: 3 }, { type: 'activation', activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    gradientCheck(model, uniform(6, 124, -2, 2), 2, { labels: Int32Array.from([0, 2]) }, { what: 'cce activation layer' });
  });
});
