// AdamW exactly as torch.optim.AdamW (Loshchilov & Hutter): the weight decay is decoupled from the
// gradient: p ← p·(1 - lr·wd) first, then Adam's update from g alone (the moments never see wd).

import { allocate } from '../allocate.js';
import { getKernel } from '../kernels/kernel.js';
import { EngineError } from '../errors.js';
import type { Parameter } from '../layers/tensors.js';
import type { FieldSchemas } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';
import { learningRateField, type Optimizer, type OptimizerEntry, type OptimizerState } from './optimizer.js';

export interface AdamwConfig {
  type: 'adamw';
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

const ADAMW_FIELDS = {
  learningRate: learningRateField(0.001),
  beta1: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.9 },
  beta2: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.999 },
  epsilon: { kind: 'number', min: 0, max: 1, default: 1e-8 },
  // torch.optim.AdamW's default is 1e-2, not Adam's 0.
  weightDecay: { kind: 'number', min: 0, max: 1, default: 0.01 },
} as const satisfies FieldSchemas;

export const adamwOptimizer: OptimizerEntry<Required<AdamwConfig>, typeof ADAMW_FIELDS> = {
  type: 'adamw',
  fields: ADAMW_FIELDS,
  resolve: ({ learningRate, beta1, beta2, epsilon, weightDecay }) => ({ type: 'adamw', learningRate, beta1, beta2, epsilon, weightDecay }),
  slots: () => ['exp_avg', 'exp_avg_sq'],
  create: (config, precision) => new Adamw(config, precision),
};

export class Adamw implements Optimizer {
  private t = 0;
  private m: Float[] | null = null;
  private v: Float[] | null = null;
  learningRate: number;

  constructor(readonly config: Required<AdamwConfig>, private readonly precision: Precision) {
    this.learningRate = config.learningRate;
  }

  step(params: readonly Parameter[]): void {
    const { beta1, beta2, epsilon, weightDecay: wd } = this.config;
    const lr = this.learningRate;
    const m = this.m ??= params.map((p) => allocate(this.precision, p.value.length));
    const v = this.v ??= params.map((p) => allocate(this.precision, p.value.length));
    this.t++;
    const decay = 1 - lr * wd;
    const stepSize = lr / (1 - beta1 ** this.t);
    const correction2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    const kernel = getKernel();
    const scalars = { oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, stepSize, correction2Sqrt, epsilon, gradientDecay: 0, parameterDecay: decay };
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const mi = m[index];
      const vi = v[index];
      // The kernel's loop (native: C) gives this loop's bits (see adam.ts).
      if (kernel.adamStep?.(p, g, mi, vi, scalars)) return;
      for (let i = 0; i < p.length; i++) {
        // Rounded to the parameter's precision between the two updates, as torch's in-place mul_ does.
        p[i] *= decay;
        mi[i] += (1 - beta1) * (g[i] - mi[i]);
        vi[i] = beta2 * vi[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= (stepSize * mi[i]) / (Math.sqrt(vi[i]) / correction2Sqrt + epsilon);
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
      throw new EngineError('CHECKPOINT_INVALID', `checkpoint: adamw state has step ${state.step} but ${m ? 'moments' : 'no moments'}`);
    }
    this.t = state.step;
    this.m = m ?? null;
    this.v = v ?? null;
  }
}
