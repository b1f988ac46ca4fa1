// The optimizers, learning-rate schedules and gradient clipping against PyTorch 1.13: the values in
// fixtures/torch-optim.json come from scripts/torch/optim-fixtures.py (torch.optim, lr_scheduler and
// clip_grad_norm_ in float64), committed so CI needs no Python. The engine runs the same model, data
// and initial weights in float64, two batches per epoch; parameters, epoch losses and the rate of
// every epoch (history's learningRate) must agree to float64 rounding.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Trainer, type EpochMetrics, type LrScheduleConfig, type OptimizerConfig } from '../../src/engine/index.js';

interface FixtureEpoch {
  learningRate: number;
  loss: number;
  parameters: Record<string, number[]>;
}

interface FixtureCase {
  name: string;
  optimizer: OptimizerConfig;
  lrSchedule?: LrScheduleConfig;
  clipGradNorm?: number;
  epochs: FixtureEpoch[];
}

interface Fixture {
  spec: unknown;
  inputs: number[][];
  targets: number[][];
  batchSize: number;
  initialParameters: Record<string, number[]>;
  cases: FixtureCase[];
}

const fixture = JSON.parse(readFileSync(new URL('fixtures/torch-optim.json', import.meta.url), 'utf8')) as Fixture;
const DATA = { inputs: Float64ArrayTo32(fixture.inputs.flat()), count: fixture.inputs.length, targets: Float64ArrayTo32(fixture.targets.flat()) };

function Float64ArrayTo32(values: number[]): Float32Array {
  const out = Float32Array.from(values);
  // The fixture's data is dyadic, exact in float32: the engine sees exactly what torch saw.
  out.forEach((v, i) => expect(v).toBe(values[i]));
  return out;
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-3);
}

async function runEngine(c: FixtureCase): Promise<{ epochs: EpochMetrics[]; parameters: Record<string, number[]>[] }> {
  const trainer = Trainer.create(fixture.spec, { seed: 1, optimizer: c.optimizer, lrSchedule: c.lrSchedule ?? null, precision: 'float64' });
  for (const { name, param } of trainer.model.parameters) param.value.set(fixture.initialParameters[name]);
  const parameters: Record<string, number[]>[] = [];
  const { history } = await trainer.fit(DATA, {
    epochs: c.epochs.length, batchSize: fixture.batchSize, shuffle: false, clipGradNorm: c.clipGradNorm,
    onEpochEnd: () => {
      parameters.push(Object.fromEntries(trainer.model.parameters.map(({ name, param }) => [name, [...param.value]])));
    },
  });
  return { epochs: history, parameters };
}

describe('optimizers, schedules and clipping match PyTorch 1.13 (committed fixtures)', () => {
  it('the fixture covers every optimizer and schedule type, and clipping', () => {
    const optimizers = new Set(fixture.cases.map((c) => c.optimizer.type));
    const schedules = new Set(fixture.cases.flatMap((c) => (c.lrSchedule ? [c.lrSchedule.type] : [])));
    expect([...optimizers].sort()).toEqual(['adam', 'adamw', 'rmsprop', 'sgd']);
    expect([...schedules].sort()).toEqual(['cosine', 'exponential', 'reduceOnPlateau', 'step']);
    expect(fixture.cases.some((c) => c.clipGradNorm !== undefined)).toBe(true);
  });

  for (const c of fixture.cases) {
    it(c.name, async () => {
      const engine = await runEngine(c);
      c.epochs.forEach((expected, e) => {
        const where = `${c.name}, epoch ${e + 1}`;
        expect(relativeError(engine.epochs[e].learningRate, expected.learningRate), `${where}: learningRate ${engine.epochs[e].learningRate} vs ${expected.learningRate}`).toBeLessThan(1e-12);
        expect(relativeError(engine.epochs[e].loss, expected.loss), `${where}: loss ${engine.epochs[e].loss} vs ${expected.loss}`).toBeLessThan(1e-9);
        for (const [name, values] of Object.entries(expected.parameters)) {
          values.forEach((v, i) => {
            const actual = engine.parameters[e][name][i];
            expect(relativeError(actual, v), `${where}: ${name}[${i}] ${actual} vs torch ${v}`).toBeLessThan(1e-9);
          });
        }
      });
    });
  }
});
