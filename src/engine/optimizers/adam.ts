// Adam exactly as torch.optim.Adam (not AdamW: weight decay is added to the gradient):
// m ← m + (1-β1)(g - m), v ← β2·v + (1-β2)·g², p ← p - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε).

import type { Parameter } from '../layers/layer.js';
import { allocate } from '../allocate.js';
import type { Float, Precision } from '../tensor.js';
import type { AdamConfig, Optimizer, OptimizerState } from './optimizer.js';

export class Adam implements Optimizer {
  private t = 0;
  private m: Float[] | null = null;
  private v: Float[] | null = null;

  constructor(readonly config: Required<AdamConfig>, private readonly paramCount: number, private readonly precision: Precision) {}

  step(params: readonly Parameter[]): void {
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay: wd } = this.config;
    if (!this.m || !this.v) {
      this.m = params.map((p) => allocate(this.precision, p.value.length));
      this.v = params.map((p) => allocate(this.precision, p.value.length));
    }
    this.t++;
    const stepSize = lr / (1 - beta1 ** this.t);
    const correction2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const m = this.m![index];
      const v = this.v![index];
      for (let i = 0; i < p.length; i++) {
        const d = wd === 0 ? g[i] : g[i] + wd * p[i];
        m[i] += (1 - beta1) * (d - m[i]);
        v[i] = beta2 * v[i] + (1 - beta2) * d * d;
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2Sqrt + epsilon);
      }
    });
  }

  getState(): OptimizerState {
    const empty = new Array(this.paramCount).fill(null);
    return { step: this.t, slots: { exp_avg: this.m ?? empty, exp_avg_sq: this.v ?? empty } };
  }

  setState(state: OptimizerState): void {
    const { exp_avg: m, exp_avg_sq: v } = state.slots;
    this.t = state.step;
    this.m = m && m.every((x) => x !== null) && m.length === this.paramCount ? (m as Float[]) : null;
    this.v = v && v.every((x) => x !== null) && v.length === this.paramCount ? (v as Float[]) : null;
    if (!this.m || !this.v) this.t = 0;
  }
}
