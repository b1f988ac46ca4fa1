// Numerics of the WebAssembly kernel that must not depend on incidental things (issue 10):
// - finding 10: relu keeps NaN in every lane, vector body and scalar tail alike, as the reference does;
// - finding 9: where a buffer lives (WebAssembly memory or the JS heap, as past the memory cap) never
//   changes a result: gemm never falls back to the reference kernel when staging space runs out.

import { afterEach, describe, expect, it } from 'vitest';
import { getKernel, Model, relaxedSimdAvailable, setKernel, Trainer, typescriptKernel, wasmRelaxedKernel } from '../../src/engine/index.js';
import { SIMD_KERNEL as wasmKernel } from '../helpers/kernel.js';
import { limitWasmMemoryForTesting } from '../../src/engine/kernels/wasm-kernel.js';
import { MLP_SPEC } from '../helpers/mnist.js';
import { uniform } from './engine-helpers.js';

afterEach(() => {
  setKernel(wasmKernel);
  limitWasmMemoryForTesting(null);
});

function resident(values: ArrayLike<number>): Float32Array {
  const out = wasmKernel.allocateFloat32?.(values.length) ?? new Float32Array(values.length); // native: no allocator
  out.set(values);
  return out;
}

/** The first few elements whose bits differ (a short failure message: a full diff of big arrays takes minutes). */
function bitDifferences(actual: Float32Array, expected: Float32Array): string[] {
  const a = new Uint32Array(Float32Array.from(actual).buffer);
  const e = new Uint32Array(Float32Array.from(expected).buffer);
  const out: string[] = [];
  if (a.length !== e.length) return [`length ${a.length} vs ${e.length}`];
  for (let i = 0; i < a.length && out.length < 5; i++) if (a[i] !== e[i]) out.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  return out;
}

describe('relu keeps NaN in every SIMD lane (issue 10, finding 10)', () => {
  // 7 columns: one vector of 4, then a scalar tail of 3; NaN in both parts.
  const width = 7;
  const z = [NaN, -1, 2, NaN, 5, NaN, -3, /* row 2 */ 1, NaN, -2, 4, NaN, 0.5, NaN];
  const rows = z.length / width;

  it('the fused bias + relu step', () => {
    const pre = resident(z);
    const bias = resident(new Array<number>(width).fill(0.25));
    const y = resident(new Array<number>(z.length).fill(7));
    expect(wasmKernel.biasRelu!(pre, 0, bias, rows, width, y)).toBe(true);
    for (let i = 0; i < z.length; i++) {
      const expected = Number.isNaN(z[i]) ? NaN : Math.max(z[i] + 0.25, 0);
      expect(y[i], `y[${i}] for z ${z[i]}`).toBe(expected);
    }
  });

  it('the bias + relu epilogue of gemm, full tiles and edge columns alike', () => {
    // 5 x 11 product (a full 4 x 8 tile, edge rows and edge columns); rows 0 and 4 of A hold a NaN,
    // so every element of those rows of C is NaN.
    const m = 5, n = 11, k = 3;
    const aValues = uniform(m * k, 1);
    aValues[0] = NaN;
    aValues[4 * k + 2] = NaN;
    const a = resident(aValues);
    const b = resident(uniform(k * n, 2));
    const c = resident(new Array<number>(m * n).fill(0));
    const y = resident(new Array<number>(m * n).fill(7));
    const bias = resident(uniform(n, 3));
    expect(wasmKernel.gemmBiasRelu!(false, m, n, k, a, 0, k, b, 0, n, c, 0, n, bias, y)).toBe(true);
    for (const row of [0, 4]) {
      for (let j = 0; j < n; j++) expect(y[row * n + j], `y[${row}, ${j}]`).toBeNaN();
    }
    for (let j = 0; j < n; j++) expect(y[n + j], `y[1, ${j}]`).toBe(Math.max(c[n + j], 0));
  });

  it('a dense relu layer gives NaN where the reference does, on both kernels', () => {
    const spec = { input: [3], layers: [{ type: 'dense', units: 7, activation: 'relu' }], loss: 'mse' };
    const x = [NaN, 1, 2, 0.5, -1, 0.25, 3, NaN, 1];
    const run = (rows: number) => {
      const model = Model.build(spec, { seed: 2 });
      return Float32Array.from(model.forward(resident(x.slice(0, rows * 3)), rows, { training: false, rng: null }));
    };
    for (const rows of [1, 3]) {
      setKernel(typescriptKernel);
      const expected = run(rows);
      setKernel(wasmKernel);
      const actual = run(rows);
      for (let i = 0; i < expected.length; i++) expect(Number.isNaN(actual[i]), `rows ${rows}, output ${i}`).toBe(Number.isNaN(expected[i]));
      expect(expected.some(Number.isNaN)).toBe(true);
    }
  });
});

describe('results do not depend on where buffers live (issue 10, finding 9)', () => {
  it('gemm on JS-heap operands with no WebAssembly memory left to stage them gives the same bits', () => {
    // Larger than any staging block this file needed before: staging must grow, and cannot.
    const m = 300, n = 260, k = 530;
    const a = Float32Array.from(uniform(m * k, 4));
    const b = Float32Array.from(uniform(k * n, 5));
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const accumulate of [false, true]) {
        const start = uniform(m * n, 6);
        limitWasmMemoryForTesting(0);
        const capped = Float32Array.from(start);
        wasmKernel.gemm(transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, capped, 0, n, accumulate);
        limitWasmMemoryForTesting(null);
        const free = Float32Array.from(start);
        wasmKernel.gemm(transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, free, 0, n, accumulate);
        expect(bitDifferences(capped, free), `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} accumulate=${accumulate}`).toEqual([]);
      }
    }
  });

  it('training with every buffer on the JS heap (past the memory cap) gives the same weights, bit for bit', async () => {
    const count = 128;
    const data = {
      inputs: Float32Array.from(uniform(count * 784, 7, 0, 1)),
      labels: Int32Array.from({ length: count }, (_, i) => (i * 3) % 10),
      count,
    };
    const train = async () => {
      const trainer = Trainer.create(MLP_SPEC, { seed: 9, optimizer: { type: 'adam', learningRate: 0.001 } });
      await trainer.fit(data, { epochs: 1, batchSize: 64 });
      return trainer.model.parameters.map((p) => Float32Array.from(p.param.value));
    };
    limitWasmMemoryForTesting(0);
    const capped = await train();
    limitWasmMemoryForTesting(null);
    const free = await train();
    capped.forEach((values, i) => expect(bitDifferences(values, free[i]), `parameter ${i}`).toEqual([]));
  });
});

describe('the kernel matrix (issue 11: relaxed SIMD is feature-detected and recorded)', () => {
  it('runs the build its entry asks for, and a checkpoint records that build and the thread count', () => {
    // The native entry runs with relaxed SIMD on too (its tests compare bits with that build).
    const native = process.env.KERNEL === 'native';
    const relaxed = native || process.env.KERNEL === 'wasm-relaxed-simd';
    expect(relaxedSimdAvailable()).toBe(relaxed);
    if (native) expect(getKernel().name).toMatch(/^native-/);
    else expect(getKernel().name).toBe(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd');
    // Without the runtime's support the relaxed kernel is the plain one and says so.
    expect(wasmRelaxedKernel.name).toBe(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd');
    const bytes = Trainer.create(MLP_SPEC, { seed: 1, optimizer: { type: 'sgd' } }).checkpoint();
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as { __metadata__: Record<string, string> };
    const text = Object.values(header.__metadata__).join(' ');
    expect(text).toContain(`"kernel":"${getKernel().name}"`);
    expect(text).toContain('"threads":1');
  });

  it('the relaxed build gives the same bits run after run (determinism per kernel and machine)', async () => {
    const count = 64;
    const data = { inputs: Float32Array.from(uniform(count * 784, 8, 0, 1)), labels: Int32Array.from({ length: count }, (_, i) => i % 10), count };
    const train = async () => {
      setKernel(wasmRelaxedKernel);
      const trainer = Trainer.create(MLP_SPEC, { seed: 3, optimizer: { type: 'adam', learningRate: 0.001 } });
      await trainer.fit(data, { epochs: 1, batchSize: 32 });
      return trainer.model.parameters.map((p) => Float32Array.from(p.param.value));
    };
    const first = await train();
    const second = await train();
    first.forEach((values, i) => expect(bitDifferences(second[i], values), `parameter ${i}`).toEqual([]));
  });
});

describe('few-row products (batch-1 inference) skip packing but not a bit of the arithmetic', () => {
  it('rows multiplied alone give the bits they get inside a larger product (every k block, transA, accumulate, tails)', () => {
    for (const [n, k] of [[128, 784], [10, 64], [37, 600], [5, 3]]) {
      for (const transA of [false, true]) {
        for (const accumulate of [false, true]) {
          const m = 6;
          const lda = transA ? m : k;
          const a = resident(uniform(m * k, n + k));
          const b = resident(uniform(k * n, n));
          const start = uniform(m * n, 11);
          const whole = resident(start);
          wasmKernel.gemm(transA, false, m, n, k, a, 0, lda, b, 0, n, whole, 0, n, accumulate);
          for (const rows of [1, 2, 3]) {
            const part = resident(start.slice(0, rows * n));
            // The first `rows` rows of op(A): the same storage, fewer rows.
            wasmKernel.gemm(transA, false, rows, n, k, a, 0, lda, b, 0, n, part, 0, n, accumulate);
            expect(bitDifferences(part, whole.subarray(0, rows * n)), `${rows} of ${m} rows, ${n}x${k} transA=${transA} accumulate=${accumulate}`).toEqual([]);
          }
        }
      }
    }
  });

  it('a digit predicted alone gets the bits it gets in a batch of 64', () => {
    const model = Model.build(MLP_SPEC, { seed: 4 });
    const inputs = Float32Array.from(uniform(64 * 784, 12, 0, 1));
    const batch = Float32Array.from(model.predict(inputs, 64));
    for (const i of [0, 17, 63]) {
      const alone = Float32Array.from(model.predict(inputs.subarray(i * 784, (i + 1) * 784), 1));
      expect(bitDifferences(alone, batch.subarray(i * 10, (i + 1) * 10)), `digit ${i}`).toEqual([]);
    }
  });
});
