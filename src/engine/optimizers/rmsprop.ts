// RMSprop exactly as torch.optim.RMSprop: v ← α·v + (1-α)·g²; centered: ḡ ← α·ḡ + (1-α)·g and
// the denominator is sqrt(v - ḡ²) + ε; with momentum: buf ← μ·buf + g/denom (buf starts at zero,
// unlike SGD's), p ← p - lr·buf; without: p ← p - lr·g/denom. Weight decay is L2, added to g.

import { allocate } from '../allocate.js';
import type { Parameter } from '../layers/tensors.js';
import type { FieldSchemas } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';
import { learningRateField, WEIGHT_DECAY_FIELD, type Optimizer, type OptimizerEntry, type OptimizerState } from './optimizer.js';

export interface RmspropConfig {
  type: 'rmsprop';
  learningRate?: number;
  alpha?: number;
  epsilon?: number;
  momentum?: number;
  centered?: boolean;
  weightDecay?: number;
}

const RMSPROP_FIELDS = {
  learningRate: learningRateField(0.01),
  alpha: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.99 },
  epsilon: { kind: 'number', min: 0, max: 1, default: 1e-8 },
  momentum: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0 },
  centered: { kind: 'boolean', default: false },
  weightDecay: WEIGHT_DECAY_FIELD,
} as const satisfies FieldSchemas;

export const rmspropOptimizer: OptimizerEntry<Required<RmspropConfig>, typeof RMSPROP_FIELDS> = {
  type: 'rmsprop',
  fields: RMSPROP_FIELDS,
  resolve: ({ learningRate, alpha, epsilon, momentum, centered, weightDecay }) => ({ type: 'rmsprop', learningRate, alpha, epsilon, momentum, centered, weightDecay }),
  // torch keeps momentum_buffer only with momentum > 0 and grad_avg only when centered.
  slots: (config) => ['square_avg', ...(config.momentum > 0 ? ['momentum_buffer'] : []), ...(config.centered ? ['grad_avg'] : [])],
  create: (config, precision) => new Rmsprop(config, precision),
};

export class Rmsprop implements Optimizer {
  private t = 0;
  private squareAvg: Float[] | null = null;
  private momentumBuffer: Float[] | null = null;
  private gradAvg: Float[] | null = null;
  learningRate: number;

  constructor(readonly config: Required<RmspropConfig>, private readonly precision: Precision) {
    this.learningRate = config.learningRate;
  }

  step(params: readonly Parameter[]): void {
    const { alpha, epsilon, momentum, centered, weightDecay: wd } = this.config;
    const lr = this.learningRate;
    const fresh = () => params.map((p) => allocate(this.precision, p.value.length));
    const squareAvg = this.squareAvg ??= fresh();
    const momentumBuffer = momentum > 0 ? (this.momentumBuffer ??= fresh()) : null;
    const gradAvg = centered ? (this.gradAvg ??= fresh()) : null;
    this.t++;
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const v = squareAvg[index];
      const buf = momentumBuffer?.[index];
      const ga = gradAvg?.[index];
      for (let i = 0; i < p.length; i++) {
        const d = wd === 0 ? g[i] : g[i] + wd * p[i];
        v[i] = alpha * v[i] + (1 - alpha) * d * d;
        let avg: number;
        if (ga) {
          ga[i] = alpha * ga[i] + (1 - alpha) * d;
          avg = Math.sqrt(v[i] - ga[i] * ga[i]) + epsilon;
        } else {
          avg = Math.sqrt(v[i]) + epsilon;
        }
        if (buf) {
          buf[i] = momentum * buf[i] + d / avg;
          p[i] -= lr * buf[i];
        } else {
          p[i] -= (lr * d) / avg;
        }
      }
    });
  }

  getState(): OptimizerState {
    const slots: Record<string, Float[]> = {};
    if (this.squareAvg) slots.square_avg = this.squareAvg;
    if (this.momentumBuffer) slots.momentum_buffer = this.momentumBuffer;
    if (this.gradAvg) slots.grad_avg = this.gradAvg;
    return { step: this.t, slots };
  }

  setState(state: OptimizerState): void {
    this.t = state.step;
    this.squareAvg = state.slots.square_avg ?? null;
    this.momentumBuffer = state.slots.momentum_buffer ?? null;
    this.gradAvg = state.slots.grad_avg ?? null;
  }
}
