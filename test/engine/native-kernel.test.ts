// The native kernel (native/addon.c + gemm.h's contract) against the WebAssembly relaxed-SIMD build:
// bit for bit where that build runs in this process (its fused multiply-add is gemm.h's fmaf chain),
// close to the TypeScript reference otherwise. Every transpose / accumulate / bias / relu case, odd
// shapes, k past one 256-deep block, operands in WebAssembly memory (a SharedArrayBuffer) and on the
// JS heap; and every span checked: bad offsets throw a RangeError instead of touching memory.
// Where the addon was not built (no C compiler), the selection's fallback is what is tested.

import { describe, expect, it } from 'vitest';
import {
  createNativeKernel, getKernel, relaxedSimdAvailable, setKernel, Trainer, typescriptKernel, wasmKernel, wasmRelaxedKernel, type MatMulKernel, type NativeBinding,
} from '../../src/engine/index.js';
import type { Window2d } from '../../src/engine/kernels/window2d.js';
import type { Parameter } from '../../src/engine/layers/tensors.js';
import { createOptimizer } from '../../src/engine/optimizers/registry.js';
import { loadNative } from '../../src/native/load-native.js';
import { loadConfig } from '../../src/config.js';
import { chooseKernel, kernelChoice } from '../../src/native/select-kernel.js';
import { CNN_SPEC, MLP_SPEC } from '../helpers/mnist.js';
import { uniform } from './engine-helpers.js';

const { binding, reason } = loadNative();

/** Differences between two float32 arrays as bit patterns (NaN payloads aside), at most five. */
function bitDifferences(actual: Float32Array, expected: Float32Array): string[] {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const out: string[] = [];
  for (let i = 0; i < e.length && out.length < 5; i++) {
    if (a[i] !== e[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) out.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  return out;
}

function closeTo(actual: Float32Array, expected: Float32Array, tolerance: number): string[] {
  let scale = 1e-3;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const out: string[] = [];
  for (let i = 0; i < expected.length && out.length < 5; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * scale)) out.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  return out;
}

/** A float32 buffer in the WebAssembly kernel's memory (a SharedArrayBuffer) or on the JS heap. */
function f32(values: ArrayLike<number>, inWasm: boolean): Float32Array {
  const out = inWasm ? wasmRelaxedKernel.allocateFloat32!(values.length) : new Float32Array(values.length);
  out.set(values);
  return out;
}

interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number;
  accumulate: boolean; bias: boolean; relu: boolean; inWasm: boolean;
}

/** Runs one product on `kernel` (through gemmBiasRelu when the case has an epilogue); returns C and Y. */
function run(kernel: MatMulKernel, c: Case, seed: number): { c: Float32Array; y: Float32Array } {
  const pad = 3; // leading dimensions wider than the rows, and operands at an offset
  const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const lda = aCols + pad, ldb = bCols + pad;
  const epilogue = c.bias || c.relu;
  const ldc = epilogue && c.m < 4 ? c.n : c.n + pad; // the WebAssembly kernel fuses few rows only when ldc = n
  const a = f32(uniform(2 + aRows * lda, seed, -1, 1), c.inWasm);
  const b = f32(uniform(1 + bRows * ldb, seed + 1, -1, 1), c.inWasm);
  const cOut = f32(uniform(5 + c.m * ldc, seed + 2, -1, 1), c.inWasm);
  const y = f32(new Float32Array(cOut.length), c.inWasm);
  const bias = c.bias ? f32(uniform(c.n, seed + 3, -1, 1), c.inWasm) : null;
  if (epilogue) {
    const fused = kernel.gemmBiasRelu?.(c.transA, c.m, c.n, c.k, a, 2, lda, b, 1, ldb, cOut, 5, ldc, bias, c.relu ? y : null) ?? false;
    if (kernel.name.startsWith('native')) expect(fused, 'the native kernel fuses every float32 epilogue').toBe(true);
    if (!fused) {
      // The same arithmetic as separate steps (what the engine does when a kernel cannot fuse).
      kernel.gemm(c.transA, false, c.m, c.n, c.k, a, 2, lda, b, 1, ldb, cOut, 5, ldc, false);
      for (let i = 0; i < c.m; i++) {
        for (let j = 0; j < c.n; j++) {
          const at = 5 + i * ldc + j;
          if (bias) cOut[at] = cOut[at] + bias[j];
          if (c.relu) y[at] = cOut[at] < 0 ? 0 : cOut[at];
        }
      }
    }
  } else {
    kernel.gemm(c.transA, c.transB, c.m, c.n, c.k, a, 2, lda, b, 1, ldb, cOut, 5, ldc, c.accumulate);
  }
  return { c: Float32Array.from(cOut), y: Float32Array.from(y) };
}

/** Every flag combination over shapes that cross the 4x8 tiles, the 256-column blocks and the 256-deep blocks. */
function cases(): Case[] {
  const shapes = [[1, 1, 1], [3, 5, 7], [4, 8, 256], [7, 13, 257], [17, 33, 600], [64, 10, 784], [2, 300, 40], [5, 9, 0]];
  const out: Case[] = [];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) out.push({ transA, transB, m, n, k, accumulate, bias: false, relu: false, inWasm: (m + n) % 2 === 0 });
      }
      for (const [bias, relu] of [[true, false], [false, true], [true, true]]) {
        out.push({ transA, transB: false, m, n, k, accumulate: false, bias, relu, inWasm: m % 2 === 1 });
      }
    }
  }
  return out;
}

const label = (c: Case) => `${c.m}x${c.n}x${c.k} transA=${c.transA} transB=${c.transB} acc=${c.accumulate} bias=${c.bias} relu=${c.relu} wasm=${c.inWasm}`;

if (binding) {
  const native = createNativeKernel(binding);
  const relaxed = relaxedSimdAvailable();

  describe(`the native kernel (${native.name})`, () => {
    it('is named after the gemm the addon selected', () => {
      expect(native.name).toBe(`native-${binding.info().gemm}`);
    });

    it(relaxed ? 'gives the relaxed-SIMD WebAssembly bits in every case' : 'stays close to the TypeScript reference in every case', () => {
      cases().forEach((c, i) => {
        const got = run(native, c, 10 + i);
        // The WebAssembly kernel hands few-row products with B transposed to the reference: compare those with the reference.
        const bitExact = relaxed && !(c.m < 4 && c.transB);
        const want = run(bitExact ? wasmRelaxedKernel : typescriptKernel, c, 10 + i);
        if (bitExact) {
          expect(bitDifferences(got.c, want.c), label(c)).toEqual([]);
          expect(bitDifferences(got.y, want.y), `${label(c)} y`).toEqual([]);
        } else {
          expect(closeTo(got.c, want.c, 1e-5), label(c)).toEqual([]);
          expect(closeTo(got.y, want.y, 1e-5), `${label(c)} y`).toEqual([]);
        }
      });
    });

    it('computes a row alone exactly as inside a batch (batch invariance)', () => {
      const [m, n, k] = [9, 37, 300];
      for (const transB of [false, true]) {
        const a = Float32Array.from(uniform(m * k, 3, -1, 1));
        const b = Float32Array.from(uniform(n * k, 4, -1, 1));
        const ldb = transB ? k : n;
        const whole = new Float32Array(m * n);
        native.gemm(false, transB, m, n, k, a, 0, k, b, 0, ldb, whole, 0, n, false);
        for (let i = 0; i < m; i++) {
          const row = new Float32Array(n);
          native.gemm(false, transB, 1, n, k, a, i * k, k, b, 0, ldb, row, 0, n, false);
          expect(bitDifferences(row, whole.subarray(i * n, (i + 1) * n)), `row ${i} transB=${transB}`).toEqual([]);
        }
      }
    });

    it('hands float64 work to the TypeScript reference', () => {
      const a = Float64Array.from(uniform(6, 5, -1, 1)), b = Float64Array.from(uniform(6, 6, -1, 1));
      const got = new Float64Array(4), want = new Float64Array(4);
      native.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, got, 0, 2, false);
      typescriptKernel.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, want, 0, 2, false);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(native.gemmBiasRelu!(false, 2, 2, 3, a, 0, 3, b, 0, 2, got, 0, 2, null, null)).toBe(false);
    });

    describe('the helpers in C give the WebAssembly kernel\'s bits (both builds share them)', () => {
      /** Windows with padding, strides 1 and 2, and channel counts off the 4-lane vectors. */
      const windows: Window2d[] = [
        { inH: 6, inW: 7, channels: 3, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, outH: 6, outW: 7 },
        { inH: 8, inW: 8, channels: 8, kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, outH: 4, outW: 4 },
        { inH: 9, inW: 5, channels: 1, kH: 3, kW: 2, strideH: 2, strideW: 1, padTop: 1, padLeft: 0, outH: 5, outW: 4 },
        { inH: 5, inW: 5, channels: 5, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, outH: 3, outW: 3 },
      ];
      /** Both kernels on copies of the same inputs (in WebAssembly memory, so its fast path runs). */
      function both(make: () => Float32Array[], op: (kernel: MatMulKernel, buffers: Float32Array[]) => void): Float32Array[][] {
        return [wasmKernel, native].map((kernel) => {
          const buffers = make().map((values) => f32(values, true));
          op(kernel, buffers);
          return buffers.map((b) => Float32Array.from(b));
        });
      }
      function expectSameBits([wasm, ours]: Float32Array[][], what: string): void {
        wasm.forEach((buffer, i) => expect(bitDifferences(ours[i], buffer), `${what} buffer ${i}`).toEqual([]));
      }
      /** Values on a coarse grid (ties for max pooling), with a NaN and infinities. */
      const values = (n: number, seed: number) => {
        const out = Float32Array.from(uniform(n, seed, -2, 2), (v) => Math.round(v * 4) / 4);
        if (n > 8) [out[1], out[5], out[7]] = [NaN, -Infinity, Infinity];
        return out;
      };

      it('im2col, col2im and im2colTransposed over an image range', () => {
        windows.forEach((g, w) => {
          const image = g.inH * g.inW * g.channels, patches = g.outH * g.outW * g.kH * g.kW * g.channels;
          expectSameBits(both(() => [values(4 * image, w), new Float32Array(3 * patches).fill(9)],
            (k, [x, cols]) => k.im2col!(x, image, 3, g, cols)), `im2col ${w}`);
          expectSameBits(both(() => [values(3 * patches, w), new Float32Array(4 * image).fill(7)],
            (k, [dcols, dx]) => k.col2im!(dcols, 3, g, dx, image)), `col2im ${w}`);
          if (g.channels !== 1) return;
          const pixels = 3 * g.outH * g.outW, ld = pixels + 5;
          expectSameBits(both(() => [values(4 * image, w), new Float32Array(g.kH * g.kW * ld).fill(9)],
            (k, [x, cols]) => expect(k.im2colTransposed!(x, image, 3, g, cols, ld)).toBe(true)), `im2colTransposed ${w}`);
        });
      });

      it('max pooling forward and backward (ties, NaN and infinities: the first maximum wins)', () => {
        windows.forEach((g, w) => {
          const image = 2 * g.inH * g.inW * g.channels, out = 2 * g.outH * g.outW * g.channels;
          expectSameBits(both(() => [values(image, w + 5), new Float32Array(out)],
            (k, [x, y]) => expect(k.maxPool!(x, 2, g, y)).toBe(true)), `maxPool ${w}`);
          expectSameBits(both(() => [values(image, w + 5), values(out, w + 6), new Float32Array(image).fill(3)],
            (k, [x, grad, dx]) => expect(k.maxPoolBackward!(x, grad, 2, g, dx)).toBe(true)), `maxPoolBackward ${w}`);
        });
      });

      it('bias + relu (with and without each), relu backward and the bias gradient', () => {
        for (const [rows, width] of [[5, 13], [4, 8], [1, 3]]) {
          for (const [bias, relu] of [[true, true], [true, false], [false, true]]) {
            expectSameBits(both(() => [values(3 + rows * width, rows), values(width, 2), new Float32Array(3 + rows * width)],
              (k, [z, b, y]) => expect(k.biasRelu!(z, 3, bias ? b : null, rows, width, relu ? y : null)).toBe(true)), `biasRelu ${rows}x${width} ${bias} ${relu}`);
          }
          expectSameBits(both(() => [values(rows * width, 3), values(rows * width, 4), new Float32Array(rows * width).fill(1)],
            (k, [dy, z, dz]) => expect(k.reluBackward!(dy, z, dz, rows * width)).toBe(true)), `reluBackward ${rows}x${width}`);
          expectSameBits(both(() => [Float32Array.from(uniform(rows * width, 5)), new Float32Array(width).fill(1)],
            (k, [x, out]) => expect(k.sumRows!(x, out, rows, width)).toBe(true)), `sumRows ${rows}x${width}`);
        }
      });

      it('refuses spans past an array and pooling windows outside the image, with a RangeError', () => {
        const g = windows[0];
        const image = g.inH * g.inW * g.channels;
        const cols = new Float32Array(g.outH * g.outW * g.kH * g.kW * g.channels);
        expect(() => native.im2col!(new Float32Array(image), 1, 1, g, cols)).toThrow(RangeError);
        expect(() => native.im2col!(new Float32Array(image), 0, 1, g, cols.subarray(1))).toThrow(RangeError);
        expect(() => native.col2im!(cols, 1, g, new Float32Array(image), 1)).toThrow(RangeError);
        expect(() => native.maxPool!(new Float32Array(image), 1, { ...g, outH: g.outH + 2 }, new Float32Array(10 * image))).toThrow(RangeError);
        expect(() => native.maxPoolBackward!(new Float32Array(image), new Float32Array(image), 2, g, new Float32Array(2 * image))).toThrow(RangeError);
        expect(() => native.biasRelu!(new Float32Array(10), 1, null, 2, 5, null)).toThrow(RangeError);
        expect(() => native.reluBackward!(new Float32Array(4), new Float32Array(3), new Float32Array(4), 4)).toThrow(RangeError);
        expect(() => native.sumRows!(new Float32Array(10), new Float32Array(4), 2, 5)).toThrow(RangeError);
        expect(() => native.im2colTransposed!(new Float32Array(45), 0, 1, windows[2], new Float32Array(10), 20)).toThrow(RangeError);
      });
    });

    describe('Adam and AdamW steps in C give the TypeScript loops\' bits', () => {
      /** Parameters with gradients on a wide range of scales (and a zero, a tiny and a huge value). */
      function params(): Parameter[] {
        return [37, 5, 1].map((n, i) => {
          const value = Float32Array.from(uniform(n, 20 + i, -3, 3));
          const grad = Float32Array.from(uniform(n, 30 + i, -1, 1), (v, j) => v * 10 ** ((j % 7) - 3));
          if (n > 3) [value[0], grad[1], grad[2]] = [0, 0, 1e-30];
          return { name: `p${i}`, role: 'parameter', value, grad } as unknown as Parameter;
        });
      }
      for (const config of [
        { type: 'adam', learningRate: 0.01 },
        { type: 'adam', learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.05 },
        { type: 'adamw', learningRate: 0.01 },
        { type: 'adamw', learningRate: 0.1, weightDecay: 0.3, beta2: 0.9 },
      ]) {
        it(JSON.stringify(config), () => {
          const run = (kernel: MatMulKernel) => {
            const previous = getKernel();
            setKernel(kernel);
            try {
              const optimizer = createOptimizer(config, 'float32');
              const ps = params();
              for (let step = 0; step < 5; step++) {
                ps.forEach((p, i) => (p.grad as Float32Array).forEach((g, j, grad) => { grad[j] = g * 0.9 + (i - j) * 1e-3; }));
                optimizer.step(ps);
              }
              const { slots } = optimizer.getState();
              return [...ps.map((p) => Float32Array.from(p.value)), ...Object.values(slots).flat().map((a) => Float32Array.from(a))];
            } finally {
              setKernel(previous);
            }
          };
          const spy = { calls: 0 };
          const counting: MatMulKernel = { ...native, adamStep: (...args) => { spy.calls++; return native.adamStep!(...args); } };
          const want = run(typescriptKernel);
          const got = run(counting);
          expect(spy.calls, 'the C step ran for every parameter and step').toBe(15);
          expect(got).toHaveLength(9);
          got.forEach((values, i) => expect(bitDifferences(values, want[i]), `array ${i}`).toEqual([]));
        });
      }
      it('leaves float64 parameters to the TypeScript loop, and checks lengths', () => {
        const f64 = new Float64Array(4);
        const s = { oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, stepSize: 0.01, correction2Sqrt: 0.5, epsilon: 1e-8, gradientDecay: 0, parameterDecay: null };
        expect(native.adamStep!(f64, f64, f64, f64, s)).toBe(false);
        const f32s = (n: number) => new Float32Array(n);
        expect(() => native.adamStep!(f32s(4), f32s(4), f32s(3), f32s(4), s)).toThrow(RangeError);
      });
    });

    it('allFinite finds a NaN or an infinity anywhere (vector body and tail), and leaves float64 to the trainer', () => {
      for (const length of [0, 1, 7, 64, 1001]) {
        const x = Float32Array.from(uniform(length, length, -3e38, 3e38));
        expect(native.allFinite!(x), `${length} finite values`).toBe(true);
        for (const at of length ? [0, length >> 1, length - 1] : []) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            const copy = Float32Array.from(x);
            copy[at] = bad;
            expect(native.allFinite!(copy), `${bad} at ${at} of ${length}`).toBe(false);
          }
        }
      }
      expect(native.allFinite!(new Float64Array([NaN]))).toBeNull();
      expect(() => binding.allFinite(new Float32Array(3), 4)).toThrow(RangeError);
    });

    describe(relaxed ? 'training gives the relaxed-SIMD WebAssembly kernel\'s weights bit for bit' : 'training stays close to the WebAssembly kernel', () => {
      // gemm, the helpers and Adam each keep their counterpart's bits, so whole training runs do too
      // (batches of at least 4 rows: the WebAssembly kernel hands smaller ones to the reference).
      for (const [name, spec, optimizer] of [
        ['MLP, Adam', MLP_SPEC, { type: 'adam', learningRate: 0.001 }],
        ['CNN, AdamW', CNN_SPEC, { type: 'adamw', learningRate: 0.002 }],
      ] as const) {
        it(name, async () => {
          const count = 64;
          const data = {
            inputs: Float32Array.from(uniform(count * 784, 11, 0, 1)),
            labels: Int32Array.from({ length: count }, (_, i) => (i * 7) % 10),
            count,
          };
          const train = async (kernel: MatMulKernel) => {
            const previous = getKernel();
            setKernel(kernel);
            try {
              const trainer = Trainer.create(spec, { seed: 5, optimizer });
              await trainer.fit(data, { epochs: 2, batchSize: 16 });
              return trainer.model.parameters.map((p) => Float32Array.from(p.param.value));
            } finally {
              setKernel(previous);
            }
          };
          const want = await train(relaxed ? wasmRelaxedKernel : wasmKernel);
          const got = await train(native);
          got.forEach((values, i) => {
            if (relaxed) expect(bitDifferences(values, want[i]), `parameter ${i}`).toEqual([]);
            else expect(closeTo(values, want[i], 1e-3), `parameter ${i}`).toEqual([]);
          });
        });
      }
    });

    describe('bounds: every span is checked before memory is touched', () => {
      const a = new Float32Array(12), b = new Float32Array(16), c = new Float32Array(12); // A 3x4, B 4x4, C 3x4
      type Args = Parameters<NativeBinding['gemm']>;
      const good: Args = [false, false, 3, 4, 4, a, 0, 4, b, 0, 4, c, 0, 4, false, null, null];
      const bad: Array<[string, (args: Args) => void]> = [
        ['A past its end (offset)', (x) => { x[6] = 1; }],
        ['A past its end (lda)', (x) => { x[7] = 5; }],
        ['B past its end', (x) => { x[9] = 2; }],
        ['B transposed past its end', (x) => { x[1] = true; x[3] = 5; }],
        ['C past its end', (x) => { x[13] = 5; }],
        ['a negative offset', (x) => { x[12] = -1; }],
        ['C at an offset past its end', (x) => { x[12] = 1; }],
        ['a leading dimension shorter than a row', (x) => { x[13] = 3; }],
        ['a bias shorter than n', (x) => { x[15] = new Float32Array(3); }],
        ['y shorter than C', (x) => { x[16] = new Float32Array(11); }],
        ['a fractional size', (x) => { x[4] = 1.5; }],
        ['an offset past 2^31', (x) => { x[6] = 2 ** 31; }],
      ];
      it('accepts the exact fit', () => {
        expect(() => binding.gemm(...good)).not.toThrow();
      });
      for (const [what, change] of bad) {
        it(`throws a RangeError for ${what}`, () => {
          const args = [...good] as Args;
          change(args);
          expect(() => binding.gemm(...args)).toThrow(RangeError);
        });
      }
      it('throws a RangeError for an array whose buffer was transferred away (detached: no memory left)', () => {
        const detached = new Float32Array(16);
        structuredClone(detached.buffer, { transfer: [detached.buffer] });
        expect(detached.length).toBe(0);
        const args = [...good] as Args;
        args[11] = detached;
        expect(() => binding.gemm(...args)).toThrow(RangeError);
        expect(() => native.reluBackward!(detached, detached, detached, 4)).toThrow(RangeError);
      });
      it('throws a TypeError for an operand that is not a Float32Array', () => {
        const args = [...good] as Args;
        (args as unknown[])[5] = new Float64Array(12);
        expect(() => binding.gemm(...args)).toThrow(TypeError);
      });
    });
  });
} else {
  describe('without the native addon', () => {
    it(`auto falls back to WebAssembly and native refuses to start (${reason})`, () => {
      expect(chooseKernel('auto').name).toBe(wasmRelaxedKernel.name);
      expect(() => chooseKernel('native')).toThrow(/NN_KERNEL=native/);
    });
  });
}

describe('kernel selection (NN_KERNEL)', () => {
  // Selection reads only info(); the rest of a binding is not called here.
  const fake = (gemm: string) => ({ info: () => ({ gemm }), gemm: () => undefined }) as unknown as NativeBinding;
  it('auto takes a vectorised native gemm, not the slow reference, and falls back to WebAssembly', () => {
    expect(chooseKernel('auto', () => ({ binding: fake('avx512'), reason: null })).name).toBe('native-avx512');
    expect(chooseKernel('auto', () => ({ binding: fake('reference'), reason: null })).name).toBe(wasmRelaxedKernel.name);
    expect(chooseKernel('auto', () => ({ binding: null, reason: 'absent' })).name).toBe(wasmRelaxedKernel.name);
  });
  it('wasm never loads the addon; native runs any gemm and names the reason it cannot load', () => {
    expect(chooseKernel('wasm', () => { throw new Error('must not load'); }).name).toBe(wasmRelaxedKernel.name);
    expect(chooseKernel('native', () => ({ binding: fake('reference'), reason: null })).name).toBe('native-reference');
    expect(() => chooseKernel('native', () => ({ binding: null, reason: 'no such file' }))).toThrow(/NN_KERNEL=native.*no such file/);
  });
  it('NN_KERNEL defaults to auto (unset or empty); anything else is refused by the config and by threads', () => {
    expect(kernelChoice({})).toBe('auto');
    expect(kernelChoice({ NN_KERNEL: '' })).toBe('auto');
    expect(kernelChoice({ NN_KERNEL: 'native' })).toBe('native');
    expect(() => kernelChoice({ NN_KERNEL: 'gpu' })).toThrow(/NN_KERNEL must be one of auto, wasm, native, received gpu/);
    expect(loadConfig({}).kernel).toBe('auto');
    expect(loadConfig({ NN_KERNEL: 'wasm' }).kernel).toBe('wasm');
    expect(() => loadConfig({ NN_KERNEL: 'gpu' })).toThrow(/NN_KERNEL/);
  });
});
