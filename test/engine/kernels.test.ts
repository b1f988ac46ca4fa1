// The matrix-multiply kernels against a naive triple loop (every transpose case, odd sizes, offsets,
// leading dimensions, accumulate), and the float32 path of whole models (whatever kernel is the
// default) against the float64 path that the gradient checks validate.

import { describe, expect, it } from 'vitest';
import { getKernel, Model, type MatMulKernel } from '../../src/engine/index.js';
import { typescriptKernel } from '../../src/engine/kernels/gemm.js';
import { analyticGradients, uniform } from './engine-helpers.js';

type Arr = Float32Array | Float64Array;

const SIZES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 4], [5, 8, 1], [17, 9, 33], [64, 70, 31], [130, 12, 200]];

function runCase(kernel: MatMulKernel, make: (n: number) => Arr, tolerance: number, transA: boolean, transB: boolean, [m, n, k]: [number, number, number], accumulate: boolean): void {
  // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + 3;
  const ldb = bCols + 2;
  const ldc = n + 5;
  const aOff = 7;
  const bOff = 3;
  const cOff = 11;
  const a = make(aOff + aRows * lda);
  const b = make(bOff + bRows * ldb);
  const c = make(cOff + m * ldc + 4);
  a.set(uniform(a.length, m * 31 + k));
  b.set(uniform(b.length, n * 17 + k));
  c.set(uniform(c.length, m + n + k));
  const before = Float64Array.from(c);
  kernel.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
  const A = (i: number, p: number) => (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
  const B = (p: number, j: number) => (transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
  const what = `${kernel.name} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}x${n}x${k} accumulate=${accumulate}`;
  const failures: string[] = [];
  for (let idx = 0; idx < c.length; idx++) {
    const rel = idx - cOff;
    const i = Math.floor(rel / ldc);
    const j = rel - i * ldc;
    if (rel < 0 || i >= m || j >= n) {
      const untouched = c instanceof Float32Array ? Math.fround(before[idx]) : before[idx];
      if (c[idx] !== untouched) failures.push(`C[${idx}] outside the result was written`);
      continue;
    }
    let sum = accumulate ? before[idx] : 0;
    let scale = Math.abs(sum);
    for (let p = 0; p < k; p++) {
      sum += A(i, p) * B(p, j);
      scale += Math.abs(A(i, p) * B(p, j));
    }
    if (!(Math.abs(c[idx] - sum) <= tolerance * Math.max(scale, 1))) failures.push(`C(${i}, ${j}) = ${c[idx]}, expected ${sum}`);
  }
  expect(failures.slice(0, 5), what).toEqual([]);
}

const kernels: MatMulKernel[] = getKernel() === typescriptKernel ? [typescriptKernel] : [typescriptKernel, getKernel()];

describe('matrix-multiply kernels', () => {
  for (const kernel of kernels) {
    for (const [label, make, tolerance] of [['float32', (n: number) => new Float32Array(n), 1e-6], ['float64', (n: number) => new Float64Array(n), 1e-14]] as const) {
      it(`${kernel.name}, ${label}: every transpose case, odd sizes, offsets, leading dimensions, accumulate`, () => {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const size of SIZES) {
              for (const accumulate of [false, true]) runCase(kernel, make, tolerance, transA, transB, size, accumulate);
            }
          }
        }
      });
    }
  }
});

describe('float32 models agree with float64 models (outputs and gradients)', () => {
  const spec = {
    input: [9, 8, 3],
    layers: [
      { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'tanh', biasInitializer: 'glorotUniform' },
      { type: 'avgPool2d', poolSize: 2 },
      { type: 'conv2d', filters: 5, kernelSize: 2, padding: 1, activation: 'sigmoid' },
      { type: 'flatten' },
      { type: 'dense', units: 7, activation: 'tanh' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  };

  for (const batch of [1, 6, 37]) {
    it(`batch ${batch}`, () => {
      const f32 = Model.build(spec, { seed: 12 });
      const f64 = Model.build(spec, { seed: 12, precision: 'float64' });
      f64.parameters.forEach(({ param }, i) => param.value.set(f32.parameters[i].param.value));
      const x64 = uniform(batch * 216, 13);
      const labels = Int32Array.from({ length: batch }, (_, i) => i % 4);
      const y32 = f32.predict(Float32Array.from(x64), batch);
      const y64 = f64.predict(Float32Array.from(x64), batch);
      y64.forEach((v, i) => expect(Math.abs(y32[i] - v)).toBeLessThan(1e-5));

      const g64 = analyticGradients(f64, x64, batch, { labels });
      // The float32 model through the same driver (its buffers are float32; the driver only reads them).
      const g32 = analyticGradients(f32, Float32Array.from(x64), batch, { labels });
      expect(Math.abs(g32.loss - g64.loss)).toBeLessThan(1e-5);
      g64.params.forEach((g, p) => {
        const scale = Math.max(...g.map(Math.abs));
        g.forEach((v, i) => expect(Math.abs(g32.params[p][i] - v), `param ${p}[${i}]`).toBeLessThan(1e-4 * scale + 1e-7));
      });
      const scale = Math.max(...g64.input.map(Math.abs));
      g64.input.forEach((v, i) => expect(Math.abs(g32.input[i] - v)).toBeLessThan(1e-4 * scale + 1e-7));
    });
  }
});
