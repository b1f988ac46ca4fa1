// Training fixtures the queue, training and jobs tests share: a tiny separable dataset, a tiny
// classifier, and helpers that store them (and a job) directly through the stores.

import { validateSpec } from '../../src/engine/index.js';
import type { Storage } from '../../src/storage/index.js';
import type { JobConfig, JobRecord } from '../../src/storage/job-record.js';
import type { JobStore } from '../../src/storage/job-store.js';

/** Points in [-1, 1]^2, class 1 when x > y: linearly separable, learnt to >95% in a few epochs. */
export function separableData(count = 200, seed = 7): { inputs: Float32Array; labels: Int32Array; rows: number[][]; labelList: number[] } {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows: number[][] = [];
  const labelList: number[] = [];
  for (let i = 0; i < count; i++) {
    const [x, y] = [next(), next()];
    rows.push([x, y]);
    labelList.push(x > y ? 1 : 0);
  }
  return { inputs: new Float32Array(rows.flat()), labels: new Int32Array(labelList), rows, labelList };
}

export const tinySpec = {
  input: [2],
  layers: [
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'dense', units: 2, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

export function jobConfig(overrides: Partial<JobConfig> = {}): JobConfig {
  return {
    epochs: 5,
    batchSize: 16,
    optimizer: { type: 'adam', learningRate: 0.05 },
    validationSplit: 0,
    validationDatasetId: null,
    seed: 1,
    shuffle: true,
    earlyStopping: null,
    checkpointEvery: 1,
    resumeFrom: null,
    ...overrides,
  };
}

export interface Fixtures {
  modelId: string;
  datasetId: string;
}

export async function storeFixtures(storage: Storage, spec: unknown = tinySpec): Promise<Fixtures> {
  const data = separableData();
  const dataset = await storage.datasets.create({
    name: 'separable', inputShape: [2], tensors: { inputs: data.inputs, labels: data.labels, targets: null }, classNames: ['left', 'right'],
  });
  const { spec: validSpec, summary } = validateSpec(spec);
  const model = await storage.models.create({ name: 'tiny', spec: validSpec, summary });
  return { modelId: model.id, datasetId: dataset.id };
}

/** A linear regression whose inputs and learning rate make SGD blow up within two epochs (DIVERGED). */
export async function storeDivergingFixtures(storage: Storage): Promise<Fixtures> {
  const inputs = new Float32Array(64).map((_, i) => 100 + i);
  const targets = new Float32Array(32).fill(100);
  const dataset = await storage.datasets.create({ name: 'exploding', inputShape: [2], tensors: { inputs, labels: null, targets }, classNames: null });
  const { spec, summary } = validateSpec({ input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' });
  const model = await storage.models.create({ name: 'linear', spec, summary });
  return { modelId: model.id, datasetId: dataset.id };
}

/** Config of the diverging fixture's job. */
export const DIVERGING = { batchSize: 8, epochs: 50, optimizer: { type: 'sgd', learningRate: 10 } } as const;

export async function storeJob(jobs: JobStore, fixtures: Fixtures, config: Partial<JobConfig> = {}): Promise<JobRecord> {
  return (await jobs.create({ ...fixtures, config: jobConfig(config) })).job;
}

/**
 * Polls until `check` passes or `timeoutMs` runs out (then returns the last value for the assertion).
 * The timeout only stops a test that would otherwise hang: it is generous (a loaded 2-core machine
 * runs everything several times slower) and below the suite's test timeout, so the failure names
 * what never happened.
 */
export async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}
