// Adam exactly as torch.optim.Adam (not AdamW: weight decay is added to the gradient):
// m ← m + (1-β1)(g - m), v ← β2·v + (1-β2)·g², p ← p - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε).

import { allocate } from '../allocate.js';
import { getKernel } from '../kernels/kernel.js';
import { EngineError } from '../errors.js';
import type { Parameter } from '../layers/tensors.js';
import type { FieldSchemas } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';
import { learningRateField, WEIGHT_DECAY_FIELD, type Optimizer, type OptimizerEntry, type OptimizerState } from './optimizer.js';

export interface AdamConfig {
  type: 'adam';
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

const ADAM_FIELDS = {
  learningRate: learningRateField(0.001),
  beta1: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.9 },
  beta2: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.999 },
  epsilon: { kind: 'number', min: 0, max: 1, default: 1e-8 },
  weightDecay: WEIGHT_DECAY_FIELD,
} as const satisfies FieldSchemas;

export const adamOptimizer: OptimizerEntry<Required<AdamConfig>, typeof ADAM_FIELDS> = {
  type: 'adam',
  fields: ADAM_FIELDS,
  resolve: ({ learningRate, beta1, beta2, epsilon, weightDecay }) => ({ type: 'adam', learningRate, beta1, beta2, epsilon, weightDecay }),
  slots: () => ['exp_avg', 'exp_avg_sq'],
  create: (config, precision) => new Adam(config, precision),
};

export class Adam implements Optimizer {
  private t = 0;
  private m: Float[] | null = null;
  private v: Float[] | null = null;

  learningRate: number;

  constructor(readonly config: Required<AdamConfig>, private readonly precision: Precision) {
    this.learningRate = config.learningRate;
  }

  step(params: readonly Parameter[]): void {
    const { beta1, beta2, epsilon, weightDecay: wd } = this.config;
    const lr = this.learningRate;
    if (!this.m || !this.v) {
      this.m = params.map((p) => allocate(this.precision, p.value.length));
      this.v = params.map((p) => allocate(this.precision, p.value.length));
    }
    this.t++;
    const stepSize = lr / (1 - beta1 ** this.t);
    const correction2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    const kernel = getKernel();
    const scalars = { oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, stepSize, correction2Sqrt, epsilon, gradientDecay: wd, parameterDecay: null };
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const m = this.m![index];
      const v = this.v![index];
      // The kernel's loop (native: C) gives this loop's bits; it takes about half a small model's step.
      if (kernel.adamStep?.(p, g, m, v, scalars)) return;
      for (let i = 0; i < p.length; i++) {
        const d = wd === 0 ? g[i] : g[i] + wd * p[i];
        m[i] += (1 - beta1) * (d - m[i]);
        v[i] = beta2 * v[i] + (1 - beta2) * d * d;
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2Sqrt + epsilon);
      }
    });
  }

  getState(): OptimizerState {
    return { step: this.t, slots: this.m && this.v ? { exp_avg: this.m, exp_avg_sq: this.v } : {} };
  }

  setState(state: OptimizerState): void {
    const { exp_avg: m, exp_avg_sq: v } = state.slots;
    // Bias correction depends on t: moments without their step count (or the reverse) cannot resume.
    if ((m === undefined) !== (state.step === 0)) {
      throw new EngineError('CHECKPOINT_INVALID', `checkpoint: adam state has step ${state.step} but ${m ? 'moments' : 'no moments'}`);
    }
    this.t = state.step;
    this.m = m ?? null;
    this.v = v ?? null;
  }
}
