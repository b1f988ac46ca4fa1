// A sweep's configuration as it is stored and served: the POST /v1/sweeps body with every default
// filled in. Made by the API's schema, read by the store, the trial gate and the sweep driver.

import type { SearchSpace } from './space.js';
import type { SuccessiveHalving } from './successive-halving.js';

export const SWEEP_METRICS = ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

export type EarlyTermination = { type: 'none' } | ({ type: 'successiveHalving' } & SuccessiveHalving);

export interface SweepConfig {
  name: string;
  datasetId: string;
  baseModelId: string;
  /** The job body every trial starts from (without modelId and datasetId). */
  base: Record<string, unknown>;
  space: SearchSpace;
  search: 'grid' | 'random';
  /** For grid search, the number of combinations. */
  trials: number;
  parallelism: number;
  seed: number;
  metric: SweepMetric;
  earlyTermination: EarlyTermination;
}

/** What a trial job carries so its run can apply early termination without reading the sweep. */
export interface TrialGate {
  sweepId: string;
  index: number;
  metric: SweepMetric;
  earlyTermination: EarlyTermination;
}
