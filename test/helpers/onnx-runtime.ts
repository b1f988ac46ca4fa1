// Runs ONNX files in onnxruntime-node (the reference runtime, CPU, one thread) and compares its
// outputs with ours; plus models with random weights to export.

import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { Model, Rng, type LayerRegistry } from '../../src/engine/index.js';

/** Predict's contract for the exported graph: equal within 1e-5 (relative for values above 1). */
export const ONNX_TOLERANCE = 1e-5;

export async function onnxSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** The `output` of the file for `count` instances of `inputShape` (channels last, as predict takes them). */
export async function runOnnx(session: ort.InferenceSession, inputs: Float32Array, count: number, inputShape: readonly number[]) {
  const result = await session.run({ input: new ort.Tensor('float32', inputs, [count, ...inputShape]) });
  const output = result.output;
  return { data: output.data as Float32Array, dims: [...output.dims] };
}

/** |ours - theirs| <= 1e-5 * max(1, |ours|) everywhere; the message names the first element off. */
export function expectClose(theirs: ArrayLike<number>, ours: ArrayLike<number>, what: string): void {
  expect(theirs.length, `${what}: length`).toBe(ours.length);
  for (let i = 0; i < ours.length; i++) {
    const allowed = ONNX_TOLERANCE * Math.max(1, Math.abs(ours[i]));
    if (!(Math.abs(theirs[i] - ours[i]) <= allowed)) {
      expect.fail(`${what}: element ${i} is ${theirs[i]} in onnxruntime, ${ours[i]} in our predict (off by ${Math.abs(theirs[i] - ours[i])})`);
    }
  }
}

/** Uniform values in [lo, hi) from a seeded stream. */
export function uniformFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed, 'onnx-test');
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
}

const VARIANCE_NAMES = new Set(['running_var', 'variance']);

/**
 * Safetensors weights for `spec` with every float tensor (biases too, which initialise to zero)
 * drawn uniformly from [-1, 1), so no term of the graph hides behind a zero; counters stay as built.
 */
export function randomWeights(spec: unknown, seed: number, layers?: LayerRegistry): Uint8Array {
  const model = Model.build(spec, { seed, layers });
  model.state.forEach(({ tensor }, i) => {
    // Variances (batchNorm's running_var, normalize's variance) must stay positive.
    const [lo, hi] = VARIANCE_NAMES.has(tensor.name) ? [0.2, 2] : [-1, 1];
    if (tensor.dtype === 'float') tensor.value.set(uniformFloats(tensor.value.length, seed * 1000 + i, lo, hi));
  });
  return model.exportWeights();
}
