// Predict whose rows do not depend on what else shares the engine call, so a batched request gets
// exactly the numbers it would get alone: what makes dynamic batching exact. The engine guarantees it:
// every WebAssembly product sums a row in the same order whatever the row count (products under 4 rows
// take a gemv with the packed kernel's arithmetic, on both SIMD builds). test/inference/batch-invariant.test.ts
// proves it on the engine itself, on every kernel build the test matrix runs, and fails if that changes.

import type { Model } from '../engine/index.js';

/** Model.predict's default chunk. */
const CHUNK = 256;

/**
 * `count` rows of outputs for `count` rows of inputs, each row's values independent of the others
 * (and of `chunk`, the rows per engine call, which bounds the activations held at once).
 */
export function predictRows(model: Model, inputs: Float32Array, count: number, chunk = CHUNK): Float32Array {
  return model.predict(inputs, count, chunk);
}
