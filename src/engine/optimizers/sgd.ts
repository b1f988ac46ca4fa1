// SGD with momentum and Nesterov, exactly as torch.optim.SGD (dampening 0): the momentum buffer
// starts as a copy of the first gradient, then buf = momentum·buf + g.

import { allocate } from '../allocate.js';
import type { Parameter } from '../layers/tensors.js';
import { specError, type FieldSchemas } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';
import { learningRateField, WEIGHT_DECAY_FIELD, type Optimizer, type OptimizerEntry, type OptimizerState } from './optimizer.js';

export interface SgdConfig {
  type: 'sgd';
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

const SGD_FIELDS = {
  learningRate: learningRateField(0.01),
  momentum: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0 },
  nesterov: { kind: 'boolean', default: false },
  weightDecay: WEIGHT_DECAY_FIELD,
} as const satisfies FieldSchemas;

export const sgdOptimizer: OptimizerEntry<Required<SgdConfig>, typeof SGD_FIELDS> = {
  type: 'sgd',
  fields: SGD_FIELDS,
  resolve(values, ctx) {
    const { learningRate, momentum, nesterov, weightDecay } = values;
    if (nesterov && momentum === 0) throw specError(ctx, 'nesterov', 'nesterov needs a momentum above 0, received momentum 0');
    return { type: 'sgd', learningRate, momentum, nesterov, weightDecay };
  },
  // Without momentum there is no buffer, as in torch (momentum_buffer stays None).
  slots: (config) => (config.momentum > 0 ? ['momentum_buffer'] : []),
  create: (config, precision) => new Sgd(config, precision),
};

export class Sgd implements Optimizer {
  private t = 0;
  /** One per parameter, allocated by the first update with momentum. */
  private buffers: Float[] | null = null;

  learningRate: number;

  constructor(readonly config: Required<SgdConfig>, private readonly precision: Precision) {
    this.learningRate = config.learningRate;
  }

  step(params: readonly Parameter[]): void {
    const { momentum, nesterov, weightDecay: wd } = this.config;
    const lr = this.learningRate;
    this.t++;
    if (momentum === 0) {
      for (const { value: p, grad: g } of params) {
        for (let i = 0; i < p.length; i++) p[i] -= lr * (g[i] + wd * p[i]);
      }
      return;
    }
    const first = this.buffers === null;
    const buffers = this.buffers ??= params.map((p) => allocate(this.precision, p.value.length));
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const buf = buffers[index];
      for (let i = 0; i < p.length; i++) {
        const d = g[i] + wd * p[i];
        const b = first ? d : momentum * buf[i] + d;
        buf[i] = b;
        p[i] -= lr * (nesterov ? d + momentum * buf[i] : buf[i]);
      }
    });
  }

  getState(): OptimizerState {
    return { step: this.t, slots: this.buffers ? { momentum_buffer: this.buffers } : {} };
  }

  setState(state: OptimizerState): void {
    this.t = state.step;
    this.buffers = state.slots.momentum_buffer ?? null;
  }
}
