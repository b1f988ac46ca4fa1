// Predict whose rows do not depend on what else shares the engine call, so a batched request gets
// exactly the numbers it would get alone. The engine's matrix products take one of two kernels by
// row count: the WebAssembly kernel for 4 rows or more (each row summed in the same order whatever
// the batch), the TypeScript reference below that (another order, so other last bits). Padding every
// call, and every 256-row chunk of it, to at least 4 rows keeps each row on the WebAssembly path.
// test/inference/batch-invariant.test.ts proves it, and fails if the engine's rule changes.

import type { Model } from '../engine/index.js';

/** The engine's smallest WebAssembly product (MIN_ROWS in kernels/wasm-kernel.ts). */
const MIN_ROWS = 4;
/** Model.predict's default chunk. */
const CHUNK = 256;

/** The number of rows to run so that no chunk has fewer than MIN_ROWS. */
export function paddedCount(count: number): number {
  let padded = Math.max(MIN_ROWS, count);
  const tail = padded % CHUNK;
  if (padded > CHUNK && tail > 0 && tail < MIN_ROWS) padded += MIN_ROWS - tail;
  return padded;
}

/** `count` rows of outputs for `count` rows of inputs, each row's values independent of the others. */
export function predictRows(model: Model, inputs: Float32Array, count: number): Float32Array {
  const padded = paddedCount(count);
  let x = inputs;
  if (padded !== count) {
    x = new Float32Array(padded * model.inputSize);
    x.set(inputs.subarray(0, count * model.inputSize));
  }
  const y = model.predict(x, padded, CHUNK);
  return padded === count ? y : y.slice(0, count * model.outputSize);
}
