// Activation memory: the per-sample estimate shape inference adds up (pre-activations, outputs,
// gradients and scratch, float32), the one check of a batch against a byte cap, and the one byte
// formatter every message about memory uses.

import { EngineError } from './errors.js';
import { sizeOf, type Shape } from './tensor.js';

/** Per-sample buffers a trained layer keeps: pre-activation, output, and the gradient flowing back. */
const BUFFERS_PER_OUTPUT = 3;

/** Float32 bytes one sample needs for a layer: its output's buffers plus its scratch elements. */
export function layerActivationBytes(outputShape: Shape, scratchElements: number): number {
  return (BUFFERS_PER_OUTPUT * sizeOf(outputShape) + scratchElements) * Float32Array.BYTES_PER_ELEMENT;
}

/**
 * LIMIT_EXCEEDED naming /batchSize when `batchSize` samples need more than `capBytes`; `capName`
 * (e.g. a setting's name) is added to the message when given.
 */
export function checkBatchActivationMemory(bytesPerSample: number, batchSize: number, capBytes: number, capName?: string): void {
  const needed = bytesPerSample * batchSize;
  if (needed <= capBytes) return;
  const largest = Math.max(1, Math.floor(capBytes / bytesPerSample));
  const cap = capName ? `${formatBytes(capBytes)} (${capName})` : formatBytes(capBytes);
  throw new EngineError('LIMIT_EXCEEDED', `batchSize ${batchSize} needs about ${formatBytes(needed)} of activations, over the cap of ${cap}`, [
    { path: '/batchSize', message: `at most ${largest} for this model` },
  ]);
}

/**
 * Samples per forward pass at inference so that their activations stay within `budgetBytes`: at
 * least 1 (a single sample is bounded by the per-sample cap at model creation), at most `largest`.
 * Predict and evaluate hold one chunk's buffers at a time, so this is what bounds their memory.
 */
export function inferenceChunkSize(bytesPerSample: number, budgetBytes: number, largest = 256): number {
  return Math.max(1, Math.min(largest, Math.floor(budgetBytes / Math.max(1, bytesPerSample))));
}

/** 512 B, 3.5 KiB, 64 MiB: binary units, one decimal below 10. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
