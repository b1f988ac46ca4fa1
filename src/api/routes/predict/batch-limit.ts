// The per-request cap on a predict's tensors, shared by /v1 predict and /v2 infer: a request is refused
// before its numbers are packed, so no single request can hold unbounded memory (issue 10, finding 2).

import { formatBytes } from '../../../engine/index.js';
import { AppError } from '../../../errors.js';
import type { ModelRecord } from '../../../storage/types.js';

/**
 * PREDICT_MAX_BATCH_BYTES: the request's input and output tensors (float32) must fit; the thread's
 * activations are bounded separately (PREDICT_MAX_ACTIVATION_BYTES, by chunking). 413 naming
 * the batch (`/instances`, or the tensor's shape on /v2) with the largest batch this model allows.
 */
export function assertBatchFits(model: ModelRecord, count: number, maxBytes: number, path = '/instances'): void {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const perInstance = (size(model.summary.inputShape) + size(model.summary.outputShape)) * Float32Array.BYTES_PER_ELEMENT;
  if (count * perInstance <= maxBytes) return;
  const largest = Math.max(1, Math.floor(maxBytes / perInstance));
  throw new AppError(413, 'BATCH_TOO_LARGE', `${count} instances of this model need ${formatBytes(count * perInstance)} of inputs and outputs; the limit is ${formatBytes(maxBytes)} (PREDICT_MAX_BATCH_BYTES)`, [
    { path, message: `at most ${largest} instances for this model` },
  ]);
}
