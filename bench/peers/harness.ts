// What every contender in `npm run bench` implements, and the timing loop they share.

import type { DigitSet } from '../../test/helpers/mnist.js';

export type WorkloadId = 'gemm' | 'mlpTrain' | 'cnnTrain' | 'mlpInfer' | 'cnnInfer' | 'mlpLatency';

export interface Workload {
  id: WorkloadId;
  label: string;
  unit: string;
  /** Latency rows report time per call, where smaller is better. */
  smallerIsBetter?: boolean;
}

export const WORKLOADS: Workload[] = [
  { id: 'gemm', label: 'fp32 GEMM 512x512x512', unit: 'GFLOP/s' },
  { id: 'mlpTrain', label: 'MLP 784-128-64-10 training, Adam, batch 64', unit: 'samples/s' },
  { id: 'cnnTrain', label: 'CNN training, Adam, batch 32', unit: 'samples/s' },
  { id: 'mlpLatency', label: 'MLP inference batch 1', unit: 'microseconds', smallerIsBetter: true },
  { id: 'mlpInfer', label: 'MLP inference batch 1024', unit: 'samples/s' },
  { id: 'cnnInfer', label: 'CNN inference batch 256', unit: 'samples/s' },
];

/** One contender: each workload it can run returns a figure in that workload's unit. */
export interface Contender {
  name: string;
  run: Partial<Record<WorkloadId, (data: DigitSet, seconds: number) => Promise<number>>>;
  /** Why a workload is missing (shown in the table). */
  missing?: Partial<Record<WorkloadId, string>>;
}

/**
 * Runs `step` once to warm up (JIT, buffers), then repeatedly for at least `seconds` (and at least
 * once); returns work units per second, where one step does `units` of work.
 */
export async function rate(step: () => void | Promise<void>, units: number, seconds: number): Promise<number> {
  await step();
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  while (done < 1 || elapsed < seconds * 1000) {
    await step();
    done++;
    elapsed = performance.now() - start;
  }
  return (done * units) / (elapsed / 1000);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One-hot rows for labels (the peers want one-hot targets). */
export function oneHot(labels: Int32Array, count: number): Float32Array {
  const out = new Float32Array(count * 10);
  for (let i = 0; i < count; i++) out[i * 10 + labels[i]] = 1;
  return out;
}

/** A 512x512 matrix of deterministic values in [-1, 1). */
export function gemmOperand(seed: number): Float32Array {
  const out = new Float32Array(512 * 512);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export const GEMM_FLOPS = 2 * 512 ** 3;
