// Optimizer updates against torch.optim.SGD / torch.optim.Adam, written out here step by step.
// The model is linear with one sample (y = w·x + b, mse), so the gradient has a closed form:
// dL/dw = 2(y - t)·x, dL/db = 2(y - t). Float64 models; tolerance 1e-12 relative.

import { describe, expect, it } from 'vitest';
import { EngineError, Trainer, validateOptimizerConfig, type OptimizerConfig } from '../../src/engine/index.js';

const X = [1, -2, 0.5];
const T = 3;
const W0 = [0.5, -0.25, 1];
const B0 = 0.1;
const SPEC = { input: [3], layers: [{ type: 'dense', units: 1 }], loss: 'mse' };
const DATA = { inputs: Float32Array.from(X), count: 1, targets: Float32Array.from([T]) };

/** Parameters as one vector [w0, w1, w2, b]. */
function gradient(p: number[]): number[] {
  const y = p[0] * X[0] + p[1] * X[1] + p[2] * X[2] + p[3];
  const dy = 2 * (y - T);
  return [dy * X[0], dy * X[1], dy * X[2], dy];
}

/** torch.optim.SGD.step (dampening 0), written out. */
function torchSgd(steps: number, lr: number, momentum: number, nesterov: boolean, wd: number): number[][] {
  let p = [...W0, B0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const d = gradient(p).map((g, i) => g + wd * p[i]);
    let step = d;
    if (momentum !== 0) {
      buf = buf === null ? [...d] : buf.map((b, i) => momentum * b + d[i]);
      step = nesterov ? d.map((v, i) => v + momentum * buf![i]) : buf;
    }
    p = p.map((v, i) => v - lr * step[i]);
    out.push(p);
  }
  return out;
}

/** torch.optim.Adam.step (amsgrad off, weight decay added to the gradient), written out. */
function torchAdam(steps: number, lr: number, beta1: number, beta2: number, eps: number, wd: number): number[][] {
  let p = [...W0, B0];
  let m = [0, 0, 0, 0];
  let v = [0, 0, 0, 0];
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = gradient(p).map((gi, i) => gi + wd * p[i]);
    m = m.map((mi, i) => beta1 * mi + (1 - beta1) * g[i]);
    v = v.map((vi, i) => beta2 * vi + (1 - beta2) * g[i] * g[i]);
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    p = p.map((pi, i) => pi - (lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps));
    out.push(p);
  }
  return out;
}

async function engineSteps(optimizer: OptimizerConfig, steps: number, precision: 'float32' | 'float64' = 'float64'): Promise<number[][]> {
  const trainer = Trainer.create(SPEC, { seed: 1, optimizer, precision });
  const [w, b] = trainer.model.parameters.map((p) => p.param.value);
  w.set(W0);
  b.set([B0]);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    await trainer.fit(DATA, { epochs: 1, batchSize: 1, shuffle: false });
    out.push([...w, ...b]);
  }
  return out;
}

function expectSteps(actual: number[][], expected: number[][], tolerance = 1e-12): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((row, s) => row.forEach((v, i) => {
    const err = Math.abs(actual[s][i] - v) / Math.max(Math.abs(v), 1e-3);
    expect(err, `step ${s + 1}, parameter ${i}: engine ${actual[s][i]}, torch ${v}`).toBeLessThan(tolerance);
  }));
}

describe('SGD (torch.optim.SGD)', () => {
  it('plain: step 1 by hand, then 3 steps', async () => {
    // y0 = 0.5 + 0.5 + 0.5 + 0.1 = 1.6; dL/dy = 2(1.6 - 3) = -2.8; grad = [-2.8, 5.6, -1.4, -2.8]
    // p1 = p0 - 0.1·grad = [0.78, -0.81, 1.14, 0.38]
    const steps = await engineSteps({ type: 'sgd', learningRate: 0.1 }, 3);
    expectSteps(steps.slice(0, 1), [[0.78, -0.81, 1.14, 0.38]]);
    expectSteps(steps, torchSgd(3, 0.1, 0, false, 0));
  });

  it('momentum: the first buffer is the gradient itself', async () => {
    const steps = await engineSteps({ type: 'sgd', learningRate: 0.05, momentum: 0.9 }, 3);
    // Step 1 equals plain SGD (buf = grad): p1 = p0 - 0.05·grad
    expectSteps(steps.slice(0, 1), [[0.5 + 0.14, -0.25 - 0.28, 1 + 0.07, 0.1 + 0.14]]);
    expectSteps(steps, torchSgd(3, 0.05, 0.9, false, 0));
  });

  it('nesterov', async () => {
    const steps = await engineSteps({ type: 'sgd', learningRate: 0.05, momentum: 0.8, nesterov: true }, 3);
    // Step 1: buf = g, update g + 0.8·g = 1.8·g: p1 = p0 - 0.09·grad
    expectSteps(steps.slice(0, 1), [[0.5 + 0.252, -0.25 - 0.504, 1 + 0.126, 0.1 + 0.252]]);
    expectSteps(steps, torchSgd(3, 0.05, 0.8, true, 0));
  });

  it('weightDecay (added to the gradient), plain and with momentum', async () => {
    // Step 1 plain: d = grad + 0.1·p0 = [-2.75, 5.575, -1.3, -2.79]; p1 = p0 - 0.1·d
    const plain = await engineSteps({ type: 'sgd', learningRate: 0.1, weightDecay: 0.1 }, 3);
    expectSteps(plain.slice(0, 1), [[0.775, -0.8075, 1.13, 0.379]]);
    expectSteps(plain, torchSgd(3, 0.1, 0, false, 0.1));
    expectSteps(await engineSteps({ type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }, 3), torchSgd(3, 0.05, 0.9, true, 0.01));
  });
});

describe('Adam (torch.optim.Adam)', () => {
  it('bias correction: the first step moves each parameter by lr·g/(|g| + eps)', async () => {
    const steps = await engineSteps({ type: 'adam', learningRate: 0.01 }, 3);
    const g = [-2.8, 5.6, -1.4, -2.8];
    const p0 = [...W0, B0];
    expectSteps(steps.slice(0, 1), [p0.map((p, i) => p - (0.01 * g[i]) / (Math.abs(g[i]) + 1e-8))]);
    expectSteps(steps, torchAdam(3, 0.01, 0.9, 0.999, 1e-8, 0));
  });

  it('custom betas and epsilon', async () => {
    expectSteps(await engineSteps({ type: 'adam', learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 0.1 }, 3), torchAdam(3, 0.05, 0.5, 0.9, 0.1, 0));
  });

  it('weightDecay is added to the gradient (Adam, not AdamW)', async () => {
    const steps = await engineSteps({ type: 'adam', learningRate: 0.01, weightDecay: 0.5 }, 3);
    expectSteps(steps, torchAdam(3, 0.01, 0.9, 0.999, 1e-8, 0.5));
    // AdamW would decay p directly by lr·wd·p after the step; that gives a visibly different result.
    const adamw = torchAdam(1, 0.01, 0.9, 0.999, 1e-8, 0)[0].map((p, i) => p - 0.01 * 0.5 * [...W0, B0][i]);
    expect(Math.abs(steps[0][3] - adamw[3])).toBeGreaterThan(1e-6);
  });

  it('float32 models follow the same updates within float32 rounding', async () => {
    expectSteps(await engineSteps({ type: 'adam', learningRate: 0.01 }, 3, 'float32'), torchAdam(3, 0.01, 0.9, 0.999, 1e-8, 0), 1e-6);
    expectSteps(await engineSteps({ type: 'sgd', learningRate: 0.05, momentum: 0.9 }, 3, 'float32'), torchSgd(3, 0.05, 0.9, false, 0), 1e-6);
  });
});

describe('optimizer configuration', () => {
  const invalid = (raw: unknown) => {
    try {
      validateOptimizerConfig(raw);
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('CONFIG_INVALID');
      return err as EngineError;
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
  };

  it('fills torch defaults', () => {
    expect(validateOptimizerConfig({ type: 'adam', learningRate: 0.001 })).toEqual({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    expect(validateOptimizerConfig({ type: 'sgd', learningRate: 0.1 })).toEqual({ type: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, weightDecay: 0 });
  });

  it('rejects bad values with the field named', () => {
    expect(invalid({ type: 'sgd', learningRate: 0.1, nesterov: true }).message).toMatch(/nesterov/);
    expect(invalid({ type: 'sgd', learningRate: 0 }).message).toMatch(/learningRate/);
    expect(invalid({ type: 'adam', learningRate: 0.1, beta1: 1 }).details[0].path).toBe('/optimizer/beta1');
    expect(invalid({ type: 'adam', learningRate: 0.1, momentum: 0.9 }).message).toMatch(/momentum/);
    expect(invalid({ type: 'lbfgs', learningRate: 0.1 }).message).toMatch(/type/);
    expect(invalid(null).message).toMatch(/optimizer/);
  });
});
