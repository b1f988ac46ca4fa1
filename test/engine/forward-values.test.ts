// Exact forward values against hand-computed numbers and a naive direct convolution written here,
// independently of the engine: Keras "same" padding (extra row/column bottom/right), average
// pooling over real values only, max-pool ties, and numerical stability for huge logits.

import { describe, expect, it } from 'vitest';
import { Model } from '../../src/engine/index.js';
import { f64Model, uniform } from './engine-helpers.js';

/** Keras/TensorFlow "same": out = ceil(in/stride); the odd extra padding goes after (bottom/right). */
function padBefore(input: number, kernel: number, stride: number, padding: 'valid' | 'same' | number): { out: number; before: number } {
  if (padding === 'same') {
    const out = Math.ceil(input / stride);
    const total = Math.max((out - 1) * stride + kernel - input, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const pad = padding === 'valid' ? 0 : padding;
  return { out: Math.floor((input + 2 * pad - kernel) / stride) + 1, before: pad };
}

/** Direct convolution, NHWC input, weight [kH, kW, C, F], zero padding. */
function naiveConv(
  x: ArrayLike<number>, n: number, h: number, w: number, c: number,
  weight: ArrayLike<number>, bias: ArrayLike<number> | null, kH: number, kW: number, f: number,
  sH: number, sW: number, padding: 'valid' | 'same' | number,
): number[] {
  const rows = padBefore(h, kH, sH, padding);
  const cols = padBefore(w, kW, sW, padding);
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < rows.out; oy++) {
      for (let ox = 0; ox < cols.out; ox++) {
        for (let o = 0; o < f; o++) {
          let sum = bias ? bias[o] : 0;
          for (let ky = 0; ky < kH; ky++) {
            for (let kx = 0; kx < kW; kx++) {
              const iy = oy * sH - rows.before + ky;
              const ix = ox * sW - cols.before + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let ch = 0; ch < c; ch++) sum += x[((b * h + iy) * w + ix) * c + ch] * weight[((ky * kW + kx) * c + ch) * f + o];
            }
          }
          out.push(sum);
        }
      }
    }
  }
  return out;
}

function conv1(kernelSize: number | [number, number], strides: number, padding: 'valid' | 'same' | number, kernel: number[], input = [3, 3, 1]): Model {
  const model = f64Model({ input, layers: [{ type: 'conv2d', filters: 1, kernelSize, strides, padding, useBias: false }], loss: 'mse' });
  model.parameters[0].param.value.set(kernel);
  return model;
}

const NINE = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // a 3x3 image, rows top to bottom

describe('conv2d forward, by hand', () => {
  // kernel [[1, 2], [3, 4]] (rows ky, columns kx)
  const kernel = [1, 2, 3, 4];

  it('3x3 input, 2x2 kernel, stride 1, valid', () => {
    // (0,0): 1·1 + 2·2 + 4·3 + 5·4 = 37; (0,1): 2 + 6 + 15 + 24 = 47; (1,0): 4 + 10 + 21 + 32 = 67; (1,1): 5 + 12 + 24 + 36 = 77
    expect(Array.from(conv1(2, 1, 'valid', kernel).forward(NINE, 1))).toEqual([37, 47, 67, 77]);
  });

  it('3x3 input, 2x2 kernel, stride 1, same: the extra column/row of zeros is on the right/bottom', () => {
    // Right column: 3·1 + 6·3 = 21, 6·1 + 9·3 = 33; bottom row: 7·1 + 8·2 = 23, 8 + 18 = 26; corner 9·1 = 9.
    // (Padding top/left instead would give 1·4 = 4 at (0,0).)
    expect(Array.from(conv1(2, 1, 'same', kernel).forward(NINE, 1))).toEqual([37, 47, 21, 67, 77, 33, 23, 26, 9]);
  });

  it('3x3 input, 2x2 kernel, stride 2, same and valid', () => {
    // same: out ceil(3/2) = 2, total padding (2-1)·2 + 2 - 3 = 1, all of it bottom/right.
    expect(Array.from(conv1(2, 2, 'same', kernel).forward(NINE, 1))).toEqual([37, 21, 23, 9]);
    // valid: floor((3-2)/2) + 1 = 1 output.
    expect(Array.from(conv1(2, 2, 'valid', kernel).forward(NINE, 1))).toEqual([37]);
  });

  it('3x3 input, 2x2 kernel, integer padding 1 pads every side', () => {
    // 4x4 output; corners see one real pixel each: (0,0) = 1·4, (0,3) = 3·3, (3,0) = 7·2, (3,3) = 9·1.
    const y = Array.from(conv1(2, 1, 1, kernel).forward(NINE, 1));
    expect(y).toHaveLength(16);
    expect([y[0], y[3], y[12], y[15]]).toEqual([4, 9, 14, 9]);
    // (1,1) is the valid (0,0) window: 37. (0,1): zeros on top, then 1·3 + 2·4 = 11.
    expect([y[5], y[1]]).toEqual([37, 11]);
  });

  it('odd kernel with an even total of "same" padding pads symmetrically (3x3 kernel on 4x4, stride 1)', () => {
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    const ones = new Array(9).fill(1);
    const y = Array.from(conv1(3, 1, 'same', ones, [4, 4, 1]).forward(x, 1));
    // (0,0) sums rows 0-1, cols 0-1: 1 + 2 + 5 + 6 = 14; (3,3): 11 + 12 + 15 + 16 = 54.
    expect([y[0], y[15]]).toEqual([14, 54]);
  });

  it('even kernel, even input, stride 2 "same": 4x4 input, 2x2 kernel needs no padding', () => {
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    const y = Array.from(conv1(2, 2, 'same', [1, 1, 1, 1], [4, 4, 1]).forward(x, 1));
    expect(y).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8, 9 + 10 + 13 + 14, 11 + 12 + 15 + 16]);
  });

  it('4x4 input, 4x4 kernel, "same", stride 1: total padding 3 -> 1 top/left, 2 bottom/right', () => {
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    const y = Array.from(conv1(4, 1, 'same', new Array(16).fill(1), [4, 4, 1]).forward(x, 1));
    // (0,0) window covers rows -1..2, cols -1..2 -> real rows 0..2, cols 0..2: 1+2+3+5+6+7+9+10+11 = 54
    // (0,3): real rows 0..2, cols 2..3: 3+4+7+8+11+12 = 45; (3,3): rows 2..3, cols 2..3: 11+12+15+16 = 54
    expect([y[0], y[3], y[15]]).toEqual([54, 45, 54]);
  });
});

describe('conv2d forward against a naive direct convolution', () => {
  const cases = [
    { input: [5, 7, 3], kernelSize: [3, 2] as [number, number], strides: [2, 1] as [number, number], padding: 'same' as const, filters: 4, batch: 2 },
    { input: [6, 4, 2], kernelSize: [2, 4] as [number, number], strides: [3, 3] as [number, number], padding: 'valid' as const, filters: 2, batch: 3 },
    { input: [4, 5, 1], kernelSize: [3, 3] as [number, number], strides: [1, 2] as [number, number], padding: 2, filters: 3, batch: 2 },
    { input: [8, 8, 2], kernelSize: [5, 5] as [number, number], strides: [3, 2] as [number, number], padding: 'same' as const, filters: 5, batch: 1 },
    { input: [3, 9, 4], kernelSize: [1, 4] as [number, number], strides: [1, 3] as [number, number], padding: 1, filters: 6, batch: 2 },
  ];
  for (const c of cases) {
    it(`${c.input.join('x')} kernel ${c.kernelSize} strides ${c.strides} padding ${JSON.stringify(c.padding)} x${c.filters}, batch ${c.batch}`, () => {
      const model = f64Model({
        input: c.input,
        layers: [{ type: 'conv2d', filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, biasInitializer: 'glorotUniform' }],
        loss: 'mse',
      }, 17);
      const [h, w, ch] = c.input;
      const x = uniform(c.batch * h * w * ch, 5);
      const [weight, bias] = model.parameters.map((p) => p.param.value);
      const expected = naiveConv(x, c.batch, h, w, ch, weight, bias, c.kernelSize[0], c.kernelSize[1], c.filters, c.strides[0], c.strides[1], c.padding);
      const rows = padBefore(h, c.kernelSize[0], c.strides[0], c.padding).out;
      const cols = padBefore(w, c.kernelSize[1], c.strides[1], c.padding).out;
      expect(model.summary.outputShape).toEqual([rows, cols, c.filters]);
      const y = model.forward(x, c.batch);
      expect(expected).toHaveLength(c.batch * rows * cols * c.filters);
      expected.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(1e-12));
    });
  }
});

describe('pooling, by hand', () => {
  it('avgPool2d "same" averages only the real values (3x3 input, pool 2, stride 2)', () => {
    const model = f64Model({ input: [3, 3, 1], layers: [{ type: 'avgPool2d', poolSize: 2, padding: 'same' }], loss: 'mse' });
    // Windows: {1,2,4,5} -> 3; {3,6} -> 4.5; {7,8} -> 7.5; {9} -> 9. (Counting the padding would give 2.25 for {9}.)
    expect(Array.from(model.forward(NINE, 1))).toEqual([3, 4.5, 7.5, 9]);
  });

  it('avgPool2d backward spreads each gradient over the real cells of its window', () => {
    const model = f64Model({ input: [3, 3, 1], layers: [{ type: 'avgPool2d', poolSize: 2, padding: 'same' }], loss: 'mse' });
    model.forward(NINE, 1);
    const dx = Array.from(model.layers[0].backward(Float64Array.from([4, 2, 2, 1]), 1, false, true)!);
    expect(dx).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('maxPool2d "same" never picks padding, even when every real value is negative', () => {
    const model = f64Model({ input: [3, 3, 1], layers: [{ type: 'maxPool2d', poolSize: 2, padding: 'same' }], loss: 'mse' });
    const negative = NINE.map((v) => -v);
    expect(Array.from(model.forward(negative, 1))).toEqual([-1, -3, -7, -9]);
  });

  it('maxPool2d per channel, with batch > 1 and overlapping windows (pool 2, stride 1)', () => {
    const model = f64Model({ input: [2, 3, 2], layers: [{ type: 'maxPool2d', poolSize: 2, strides: 1 }], loss: 'mse' });
    // channel 0 = 1..6, channel 1 = 6..1 (rows of 3), two samples, the second negated
    const sample = [1, 6, 2, 5, 3, 4, 4, 3, 5, 2, 6, 1];
    const x = Float64Array.from([...sample, ...sample.map((v) => -v)]);
    // Sample 1: ch0 windows {1,2,4,5} -> 5, {2,3,5,6} -> 6; ch1 {6,5,3,2} -> 6, {5,4,2,1} -> 5. Sample 2 negated: ch0 -1, -2; ch1 -2, -1.
    expect(Array.from(model.forward(x, 2))).toEqual([5, 6, 6, 5, -1, -2, -2, -1]);
  });

  it('maxPool2d sends the gradient of a tie to the first maximum in scan order (as PyTorch)', () => {
    const model = f64Model({ input: [2, 2, 1], layers: [{ type: 'maxPool2d', poolSize: 2 }], loss: 'mse' });
    const backward = (x: number[]) => {
      model.forward(Float64Array.from(x), 1);
      return Array.from(model.layers[0].backward(Float64Array.from([1]), 1, false, true)!);
    };
    expect(backward([5, 5, 5, 5])).toEqual([1, 0, 0, 0]);
    expect(backward([1, 3, 3, 2])).toEqual([0, 1, 0, 0]);
    expect(backward([0, -1, 2, 2])).toEqual([0, 0, 1, 0]);
  });

  it('maxPool2d overlapping windows accumulate gradient into a shared maximum', () => {
    const model = f64Model({ input: [1, 3, 1], layers: [{ type: 'maxPool2d', poolSize: [1, 2], strides: 1 }], loss: 'mse' });
    model.forward(Float64Array.from([1, 9, 2]), 1);
    expect(Array.from(model.layers[0].backward(Float64Array.from([0.5, 0.25]), 1, false, true)!)).toEqual([0, 0.75, 0]);
  });
});

describe('numerical stability for huge logits', () => {
  it('softmax of ±1000 is finite and exact', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'activation', activation: 'softmax' }], loss: 'mse' });
    expect(Array.from(model.forward(Float64Array.from([1000, -1000, 0, 1000, 1000, -1000]), 2))).toEqual([1, 0, 0, 0.5, 0.5, 0]);
    const f32model = Model.build({ input: [2], layers: [{ type: 'activation', activation: 'softmax' }], loss: 'mse' });
    expect(Array.from(f32model.predict(Float32Array.from([1e30, -1e30, 88, 89]), 2)).every(Number.isFinite)).toBe(true);
  });

  it('sigmoid of ±1000 is 1 and 0, never NaN', () => {
    const model = f64Model({ input: [4], layers: [{ type: 'activation', activation: 'sigmoid' }], loss: 'mse' });
    expect(Array.from(model.forward(Float64Array.from([1000, -1000, 0, 745]), 1))).toEqual([1, 0, 0.5, 1]);
  });

  it('binaryCrossentropy with logits ±1000 is finite: mean of softplus terms, gradient (σ(z) - t)/n', () => {
    const model = f64Model({ input: [2], layers: [{ type: 'activation', activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    const z = Float64Array.from([1000, -1000, 1000, -1000]);
    const y = model.forward(z, 2);
    const grad = new Float64Array(4);
    // Targets 0, 1, 1, 0: losses 1000, 1000, 0, 0 (a log of 0 would be infinite) -> mean 500.
    const loss = model.loss.compute(y, model.layers[0].preActivation!, { labels: null, values: Float64Array.from([0, 1, 1, 0]) }, 2, 2, grad);
    expect(loss).toBe(500);
    expect(Array.from(grad)).toEqual([0.25, -0.25, 0, 0]);
  });

  it('binaryCrossentropy matches -[t·log σ + (1-t)·log(1-σ)] for moderate logits', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'activation', activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    const z = [-2, 0.5, 3];
    const t = [0.3, 1, 0];
    const y = model.forward(Float64Array.from(z), 1);
    const loss = model.loss.compute(y, Float64Array.from(z), { labels: null, values: Float64Array.from(t) }, 1, 3, new Float64Array(3));
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = z.reduce((s, v, i) => s - (t[i] * Math.log(sig(v)) + (1 - t[i]) * Math.log(1 - sig(v))), 0) / 3;
    expect(Math.abs(loss - expected)).toBeLessThan(1e-12);
  });

  it('categoricalCrossentropy with logits ±1000 is finite: log-sum-exp, fused gradient', () => {
    const model = f64Model({ input: [3], layers: [{ type: 'activation', activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    const z = Float64Array.from([1000, -1000, 0, 1000, 1000, -1000]);
    const y = model.forward(z, 2);
    const grad = new Float64Array(6);
    // Sample 1, label 1: lse = 1000, loss 2000. Sample 2, label 0: lse = 1000 + log 2, loss log 2.
    const loss = model.loss.compute(y, model.layers[0].preActivation!, { labels: Int32Array.from([1, 0]), values: null }, 2, 3, grad);
    expect(Math.abs(loss - (2000 + Math.LN2) / 2)).toBeLessThan(1e-12);
    expect(Array.from(grad)).toEqual([0.5, -0.5, 0, -0.25, 0.25, 0]);
    const soft = model.loss.compute(y, model.layers[0].preActivation!, { labels: null, values: Float64Array.from([0, 1, 0, 1, 0, 0]) }, 2, 3, grad);
    expect(soft).toBe(loss);
  });

  it('mse is the mean over all elements', () => {
    const model = f64Model({ input: [2], layers: [{ type: 'activation', activation: 'linear' }], loss: 'mse' });
    const grad = new Float64Array(4);
    const y = Float64Array.from([1, 2, 3, 4]);
    const loss = model.loss.compute(y, y, { labels: null, values: Float64Array.from([0, 0, 3, 8]) }, 2, 2, grad);
    expect(loss).toBe((1 + 4 + 0 + 16) / 4);
    expect(Array.from(grad)).toEqual([0.5, 1, 0, -2]);
  });
});
