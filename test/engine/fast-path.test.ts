// Every fast path of the WebAssembly SIMD kernel against the TypeScript reference: gemm in every
// transpose case and odd sizes (across the kernel's blocking boundaries, with operands inside and
// outside WebAssembly memory), im2col/col2im, the fused element-wise steps and max pooling
// (bit-identical), and whole MLP and CNN models: forward, backward, and Adam training steps.
// Tolerances: gemm 1e-5 relative to Σ|a·b| (float32 sums in another order); models 1e-4 relative.

import { afterEach, describe, expect, it } from 'vitest';
import {
  getKernel, Model, setKernel, Trainer, typescriptKernel, wasmSimdAvailable, type MatMulKernel,
} from '../../src/engine/index.js';
import { SIMD_KERNEL as wasmKernel } from '../helpers/kernel.js';
import { col2im, im2col } from '../../src/engine/kernels/im2col.js';
import type { Window2d } from '../../src/engine/kernels/window2d.js';
import { windowGeometry } from '../../src/engine/layers/geometry.js';
import { CNN_SPEC, MLP_SPEC } from '../helpers/mnist.js';
import { uniform } from './engine-helpers.js';

afterEach(() => setKernel(wasmKernel));

/** A float32 buffer in WebAssembly memory (as the engine allocates them) or on the JS heap. */
function f32(values: ArrayLike<number>, resident: boolean): Float32Array {
  // Kernels without an allocator (native) take any Float32Array: their buffers live on the JS heap.
  const out = resident ? wasmKernel.allocateFloat32?.(values.length) ?? new Float32Array(values.length) : new Float32Array(values.length);
  out.set(values);
  return out;
}

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const diff: string[] = [];
  // Equal as numbers: the fused steps may differ from the reference only in the sign of a zero.
  for (let i = 0; i < expected.length && diff.length < 5; i++) if (!(actual[i] === expected[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i])))) diff.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  expect(diff, what).toEqual([]);
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const diff: string[] = [];
  for (let i = 0; i < expected.length && diff.length < 5; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(scale, 1e-3))) diff.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  expect(actual.length, what).toBe(expected.length);
  expect(diff, what).toEqual([]);
}

it('the WebAssembly SIMD kernel is available and is the default for float32', () => {
  expect(wasmSimdAvailable()).toBe(true);
  expect(getKernel()).toBe(wasmKernel);
  // Float32 weights live in the module's (shared) memory, as the kernel allocates them (the native
  // kernel has no allocator: its buffers are plain arrays).
  const weights = Model.build(MLP_SPEC).parameters[0].param.value;
  expect(weights).toBeInstanceOf(Float32Array);
  expect(weights.buffer).toBeInstanceOf(wasmKernel.allocateFloat32 ? SharedArrayBuffer : ArrayBuffer);
});

describe('gemm: WebAssembly SIMD against the TypeScript reference', () => {
  // Edges of the 4x8 micro-tile, the 256-deep and 256-wide blocks, and degenerate sizes.
  const sizes: [number, number, number][] = [
    [4, 8, 1], [5, 9, 3], [7, 3, 2], [4, 1, 300], [13, 17, 257], [64, 128, 784], [33, 260, 40], [130, 270, 600], [1000, 13, 25], [6, 5, 0],
  ];
  for (const resident of [true, false]) {
    it(`every transpose case, offsets, leading dimensions and accumulate (operands ${resident ? 'in' : 'outside'} WebAssembly memory)`, () => {
      for (const [m, n, k] of sizes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              const lda = (transA ? m : k) + 3;
              const ldb = (transB ? k : n) + 2;
              const ldc = n + 5;
              const a = f32(uniform(5 + (transA ? k : m) * lda, m + k), resident);
              const b = f32(uniform(7 + (transB ? n : k) * ldb, n + 2 * k), resident);
              const start = uniform(9 + m * ldc + 3, m * n);
              const expected = f32(start, false);
              const actual = f32(start, resident);
              typescriptKernel.gemm(transA, transB, m, n, k, a, 5, lda, b, 7, ldb, expected, 9, ldc, accumulate);
              wasmKernel.gemm(transA, transB, m, n, k, a, 5, lda, b, 7, ldb, actual, 9, ldc, accumulate);
              const what = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}x${n}x${k} accumulate=${accumulate}`;
              // Σ|a·b| ≤ k for values in [-1, 1): the float32 error bound scales with it.
              const bad: string[] = [];
              for (let i = 0; i < expected.length && bad.length < 5; i++) {
                if (!(Math.abs(actual[i] - expected[i]) <= 1e-5 * Math.max(k, 1) + 1e-6)) bad.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
              }
              expect(bad, what).toEqual([]);
            }
          }
        }
      }
    });
  }
});

type Padding = 'same' | 'valid' | number;

/** Geometries with strides, paddings, non-square kernels and several channels (and their padding spec). */
function geometries(): [Window2d, Padding][] {
  const cases: [number, number, number, number, number, number, number, Padding][] = [
    [28, 28, 1, 5, 5, 1, 1, 'same'], [14, 14, 8, 5, 5, 1, 1, 'same'], [8, 6, 8, 2, 2, 2, 2, 'valid'],
    [7, 7, 4, 2, 2, 2, 2, 'same'], [9, 7, 3, 3, 2, 2, 1, 'same'], [10, 11, 5, 3, 3, 3, 2, 'valid'], [6, 5, 4, 2, 3, 1, 2, 1],
  ];
  return cases.map(([inH, inW, channels, kH, kW, strideH, strideW, padding]) => {
    const h = windowGeometry(inH, kH, strideH, padding)!;
    const w = windowGeometry(inW, kW, strideW, padding)!;
    return [{ inH, inW, channels, kH, kW, strideH, strideW, padTop: h.before, padLeft: w.before, outH: h.out, outW: w.out }, padding];
  });
}

describe('im2col, col2im and max pooling: bit-identical to the reference', () => {
  it('im2col and col2im over an image range', () => {
    for (const [g] of geometries()) {
      const image = g.inH * g.inW * g.channels;
      const patches = g.outH * g.outW * g.kH * g.kW * g.channels;
      const x = f32(uniform(4 * image, image), true);
      const expected = new Float32Array(3 * patches);
      const actual = f32(expected, true);
      im2col(x, image, 3, g, expected);
      wasmKernel.im2col!(x, image, 3, g, actual);
      sameBits(actual, expected, `im2col ${JSON.stringify(g)}`);
      const dcols = f32(uniform(3 * patches, patches), true);
      const dxExpected = new Float32Array(4 * image).fill(7);
      const dxActual = f32(dxExpected, true);
      col2im(dcols, 3, g, dxExpected, image);
      wasmKernel.col2im!(dcols, 3, g, dxActual, image);
      sameBits(dxActual, dxExpected, `col2im ${JSON.stringify(g)}`);
    }
  });

  it('max pooling forward and backward (with ties, so the first maximum must win)', () => {
    // Pooling takes "valid" or "same" only: an integer padding case runs as "same".
    for (const [g, padding] of geometries()) {
      const pool = { type: 'maxPool2d', poolSize: [g.kH, g.kW], strides: [g.strideH, g.strideW], padding: padding === 'valid' ? 'valid' : 'same' };
      const spec = { input: [g.inH, g.inW, g.channels], layers: [pool], loss: 'mse' };
      const run = (kernel: MatMulKernel) => {
        setKernel(kernel);
        const model = Model.build(spec);
        const layer = model.layers[0];
        const x = f32(Array.from(uniform(2 * model.inputSize, 3), (v) => Math.round(v * 4) / 4), true);
        const y = Float32Array.from(layer.forward(x, 2, { training: true, rng: null }));
        const grad = f32(uniform(2 * model.outputSize, 4), true);
        const dx = Float32Array.from(layer.backward(grad, 2, false, true)!);
        return { y, dx };
      };
      const expected = run(typescriptKernel);
      const actual = run(wasmKernel);
      sameBits(actual.y, expected.y, 'max pooling forward');
      sameBits(actual.dx, expected.dx, 'max pooling backward');
    }
  });
});

describe('fused bias + relu, relu backward and the bias gradient against the reference', () => {
  it('dense layers with relu, linear and no bias, at widths that are not multiples of 4 or 8', () => {
    for (const [units, activation, useBias] of [[7, 'relu', true], [16, 'relu', false], [5, 'linear', true], [12, 'relu', true], [9, 'linear', false]] as const) {
      // 3 rows: gemv then the fused step; dx = dz·Wᵀ (B transposed) goes to the reference product, so
      // it shows relu's backward step bit for bit. 13 rows: the packed product with its epilogue (close).
      for (const rows of [3, 13]) {
        const spec = { input: [9], layers: [{ type: 'dense', units, activation, useBias, biasInitializer: 'glorotUniform' }], loss: 'mse' };
        const run = (kernel: MatMulKernel) => {
          setKernel(kernel);
          const model = Model.build(spec, { seed: 3 });
          const layer = model.layers[0];
          const x = f32(uniform(rows * 9, 5), true);
          const y = Float32Array.from(layer.forward(x, rows, { training: true, rng: null }));
          const dx = Float32Array.from(layer.backward(f32(uniform(rows * units, 6), true), rows, false, true)!);
          const [weight, bias] = model.parameters.map((p) => p.param);
          return { y, dx, weightGrad: Float32Array.from(weight.grad), biasGrad: bias ? Float32Array.from(bias.grad) : null };
        };
        const expected = run(typescriptKernel);
        const actual = run(wasmKernel);
        const what = `dense ${units} ${activation} bias=${useBias} rows=${rows}`;
        // The native kernel multiplies few rows with B transposed itself (its fused chain: close, not equal).
        if (rows < 4 && !wasmKernel.name.startsWith('native-')) {
          close(actual.y, expected.y, 1e-5, `${what} forward`);
          sameBits(actual.dx, expected.dx, `${what} input gradient`);
        } else {
          close(actual.y, expected.y, 1e-5, `${what} forward`);
          close(actual.dx, expected.dx, 1e-5, `${what} input gradient`);
        }
        // The bias gradient sums dz in the reference's order; dz itself is exact when the inputs are.
        if (expected.biasGrad && rows < 4) sameBits(actual.biasGrad!, expected.biasGrad, `${what} bias gradient`);
        if (expected.biasGrad) close(actual.biasGrad!, expected.biasGrad, 1e-5, `${what} bias gradient`);
        close(actual.weightGrad, expected.weightGrad, 1e-5, `${what} weight gradient`);
      }
    }
  });
});

describe('whole models: the WebAssembly path against the TypeScript reference', () => {
  const batch = 37; // not a multiple of the tile or chunk sizes
  for (const [name, spec] of [['MLP', MLP_SPEC], ['CNN', CNN_SPEC]] as const) {
    it(`${name}: forward outputs and every parameter gradient`, () => {
      const run = (kernel: MatMulKernel) => {
        setKernel(kernel);
        const model = Model.build(spec, { seed: 11 });
        const x = f32(uniform(batch * model.inputSize, 12, 0, 1), true);
        const y = Float32Array.from(model.forward(x, batch, { training: true, rng: null }));
        const grad = f32(uniform(batch * model.outputSize, 13), true);
        model.backward(grad, batch, true);
        return { y, grads: model.parameters.map((p) => Float32Array.from(p.param.grad)) };
      };
      const expected = run(typescriptKernel);
      const actual = run(wasmKernel);
      close(actual.y, expected.y, 1e-4, `${name} forward`);
      actual.grads.forEach((g, i) => close(g, expected.grads[i], 1e-4, `${name} gradient ${i}`));
    });

    // SGD with momentum for the comparison: Adam divides by √v, which turns float32 noise in a
    // near-zero gradient into a full-size step of either sign, so its check is determinism only.
    it(`${name}: training steps stay close to the reference (SGD) and are bit-deterministic (Adam)`, async () => {
      const count = 96;
      const data = {
        inputs: Float32Array.from(uniform(count * 784, 21, 0, 1)),
        labels: Int32Array.from({ length: count }, (_, i) => (i * 7) % 10),
        count,
      };
      const train = async (kernel: MatMulKernel, optimizer: 'sgd' | 'adam') => {
        setKernel(kernel);
        const config = optimizer === 'sgd' ? { type: 'sgd' as const, learningRate: 0.05, momentum: 0.9 } : { type: 'adam' as const, learningRate: 0.001 };
        const trainer = Trainer.create(spec, { seed: 5, optimizer: config });
        await trainer.fit(data, { epochs: 1, batchSize: 32 });
        return trainer.model.parameters.map((p) => Float32Array.from(p.param.value));
      };
      const expected = await train(typescriptKernel, 'sgd');
      const actual = await train(wasmKernel, 'sgd');
      actual.forEach((w, i) => close(w, expected[i], 1e-4, `${name} weights ${i} after 3 SGD steps`));
      const adam = await train(wasmKernel, 'adam');
      const again = await train(wasmKernel, 'adam');
      again.forEach((w, i) => sameBits(w, adam[i], `${name} weights ${i} after 3 Adam steps, rerun`));
    });
  }

  it('a CNN whose buffers live on the JS heap (as past the WebAssembly memory cap) gives the same results', () => {
    const batch = 9;
    const run = (buildWith: MatMulKernel, runWith: MatMulKernel) => {
      setKernel(buildWith);
      const model = Model.build(CNN_SPEC, { seed: 4 });
      const x = f32(uniform(batch * model.inputSize, 9, 0, 1), false);
      const grad = f32(uniform(batch * model.outputSize, 10), false);
      model.forward(x, batch, { training: true, rng: null }); // buffers are allocated here
      setKernel(runWith);
      const y = Float32Array.from(model.forward(x, batch, { training: true, rng: null }));
      model.backward(grad, batch, true);
      return { y, grads: model.parameters.map((p) => Float32Array.from(p.param.grad)) };
    };
    const expected = run(typescriptKernel, typescriptKernel);
    const actual = run(typescriptKernel, wasmKernel);
    close(actual.y, expected.y, 1e-4, 'forward');
    actual.grads.forEach((g, i) => close(g, expected.grads[i], 1e-4, `gradient ${i}`));
  });

  it('float32 gradients on the WebAssembly path match the float64 reference gradients that the finite-difference checks validate', () => {
    const spec = {
      input: [10, 9, 3],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', biasInitializer: 'glorotUniform' },
        { type: 'maxPool2d', poolSize: 2, padding: 'same' },
        { type: 'conv2d', filters: 5, kernelSize: 2, padding: 1, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 6, activation: 'relu' },
        { type: 'dense', units: 4, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    };
    const batch = 6;
    const gradients = (precision: 'float32' | 'float64') => {
      const model = Model.build(spec, { seed: 2, precision });
      const x = precision === 'float32' ? f32(uniform(batch * model.inputSize, 8), true) : uniform(batch * model.inputSize, 8);
      const y = model.forward(x, batch, { training: true, rng: null });
      const grad = precision === 'float32' ? wasmKernel.allocateFloat32?.(batch * 4) ?? new Float32Array(batch * 4) : new Float64Array(batch * 4);
      const last = model.layers[model.layers.length - 1];
      model.loss.compute(y, last.preActivation ?? y, { labels: Int32Array.from([0, 1, 2, 3, 1, 2]), values: null }, batch, 4, grad);
      model.backward(grad, batch, true);
      return model.parameters.map((p) => Array.from(p.param.grad));
    };
    const reference = gradients('float64');
    gradients('float32').forEach((g, i) => close(g, reference[i], 1e-3, `parameter ${i}`));
  });
});
