// Loss functions. Cross-entropies are fused with their output activation: they read the
// pre-activation z, compute the loss stably (log-sum-exp, softplus) and return dL/dz directly,
// which is both more accurate and cheaper than chaining through the activation's Jacobian.

import { sigmoidOf } from './activations.js';
import type { Float } from './tensor.js';

export const LOSSES = ['mse', 'binaryCrossentropy', 'categoricalCrossentropy'] as const;
export type LossName = (typeof LOSSES)[number];

/** Targets of one batch: class indices (categorical only) or a dense row per sample. */
export interface BatchTargets {
  labels: Int32Array | null;
  values: Float | null;
}

export interface Loss {
  readonly name: LossName;
  /** True when `compute` writes dL/dz (pre-activation) instead of dL/dy. */
  readonly fused: boolean;
  /** Mean loss of the batch; writes the gradient into `grad` (batch x width). */
  compute(y: Float, z: Float, targets: BatchTargets, batch: number, width: number, grad: Float): number;
  /** Correct predictions and how many were judged (null: the loss has no notion of accuracy). */
  countCorrect(y: Float, targets: BatchTargets, batch: number, width: number): [number, number] | null;
}

const mse: Loss = {
  name: 'mse',
  fused: false,
  compute(y, _z, targets, batch, width, grad) {
    const t = targets.values!;
    const n = batch * width;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = y[i] - t[i];
      sum += d * d;
      grad[i] = (2 * d) / n;
    }
    return sum / n;
  },
  countCorrect: () => null,
};

/** Mean over all elements of softplus-form BCE: max(z,0) - z·t + log(1 + exp(-|z|)). */
const binaryCrossentropy: Loss = {
  name: 'binaryCrossentropy',
  fused: true,
  compute(_y, z, targets, batch, width, grad) {
    const t = targets.values!;
    const n = batch * width;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      sum += Math.max(v, 0) - v * t[i] + Math.log1p(Math.exp(-Math.abs(v)));
      grad[i] = (sigmoidOf(v) - t[i]) / n;
    }
    return sum / n;
  },
  countCorrect(y, targets, batch, width) {
    const t = targets.values!;
    const n = batch * width;
    let correct = 0;
    for (let i = 0; i < n; i++) if (y[i] > 0.5 === t[i] > 0.5) correct++;
    return [correct, n];
  },
};

/** Mean over the batch of -Σ t·log softmax(z); gradient (softmax(z)·Σt - t) / batch. */
const categoricalCrossentropy: Loss = {
  name: 'categoricalCrossentropy',
  fused: true,
  compute(y, z, targets, batch, width, grad) {
    let sum = 0;
    for (let s = 0; s < batch; s++) {
      const row = s * width;
      let max = -Infinity;
      for (let j = row; j < row + width; j++) if (z[j] > max) max = z[j];
      let sumExp = 0;
      for (let j = row; j < row + width; j++) sumExp += Math.exp(z[j] - max);
      const logSumExp = max + Math.log(sumExp);
      if (targets.labels) {
        const label = targets.labels[s];
        sum += logSumExp - z[row + label];
        for (let j = row; j < row + width; j++) grad[j] = y[j] / batch;
        grad[row + label] -= 1 / batch;
      } else {
        const t = targets.values!;
        let targetSum = 0;
        for (let j = row; j < row + width; j++) {
          targetSum += t[j];
          sum += t[j] * (logSumExp - z[j]);
        }
        for (let j = row; j < row + width; j++) grad[j] = (y[j] * targetSum - t[j]) / batch;
      }
    }
    return sum / batch;
  },
  countCorrect(y, targets, batch, width) {
    let correct = 0;
    for (let s = 0; s < batch; s++) {
      const row = s * width;
      const truth = targets.labels ? targets.labels[s] : argmax(targets.values!, row, width);
      if (argmax(y, row, width) === truth) correct++;
    }
    return [correct, batch];
  },
};

/** Index of the first maximum of x[offset .. offset+width). */
export function argmax(x: Float, offset: number, width: number): number {
  let best = 0;
  let max = x[offset];
  for (let j = 1; j < width; j++) {
    if (x[offset + j] > max) {
      max = x[offset + j];
      best = j;
    }
  }
  return best;
}

export function createLoss(name: LossName): Loss {
  switch (name) {
    case 'mse': return mse;
    case 'binaryCrossentropy': return binaryCrossentropy;
    case 'categoricalCrossentropy': return categoricalCrossentropy;
  }
}
