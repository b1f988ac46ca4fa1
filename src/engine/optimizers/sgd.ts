// SGD with momentum and Nesterov, exactly as torch.optim.SGD (dampening 0): the momentum buffer
// starts as a copy of the first gradient, then buf = momentum·buf + g.

import type { Parameter } from '../layers/layer.js';
import { allocate } from '../allocate.js';
import type { Float, Precision } from '../tensor.js';
import type { Optimizer, OptimizerState, SgdConfig } from './optimizer.js';

export class Sgd implements Optimizer {
  private buffers: (Float | null)[];

  constructor(readonly config: Required<SgdConfig>, paramCount: number, private readonly precision: Precision) {
    this.buffers = new Array(paramCount).fill(null);
  }

  step(params: readonly Parameter[]): void {
    const { learningRate: lr, momentum, nesterov, weightDecay: wd } = this.config;
    params.forEach((param, index) => {
      const p = param.value;
      const g = param.grad;
      const n = p.length;
      if (momentum === 0) {
        for (let i = 0; i < n; i++) p[i] -= lr * (g[i] + wd * p[i]);
        return;
      }
      let buf = this.buffers[index];
      const first = buf === null;
      if (!buf) buf = this.buffers[index] = allocate(this.precision, n);
      for (let i = 0; i < n; i++) {
        const d = g[i] + wd * p[i];
        const b = first ? d : momentum * buf[i] + d;
        buf[i] = b;
        p[i] -= lr * (nesterov ? d + momentum * buf[i] : buf[i]);
      }
    });
  }

  getState(): OptimizerState {
    return { step: 0, slots: { momentum_buffer: this.buffers } };
  }

  setState(state: OptimizerState): void {
    const buffers = state.slots.momentum_buffer;
    if (buffers && buffers.length === this.buffers.length) this.buffers = buffers;
  }
}
