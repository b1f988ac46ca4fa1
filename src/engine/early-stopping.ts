// Early stopping: watches one metric per epoch and says when it has not improved by more than
// minDelta for `patience` epochs. Its state is part of a checkpoint so resumption is exact.

import type { EarlyStoppingConfig, EpochMetrics } from './fit.js';

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  wait: number;
}

export class EarlyStopping {
  constructor(private readonly config: EarlyStoppingConfig & { monitor: NonNullable<EarlyStoppingConfig['monitor']> }, readonly state: EarlyStoppingState) {}

  /** Records an epoch; returns whether it improved on the best so far. */
  update(metrics: EpochMetrics): boolean {
    const value = metrics[this.config.monitor];
    if (value === null) return false;
    const maximize = this.config.monitor === 'accuracy' || this.config.monitor === 'valAccuracy';
    const delta = this.config.minDelta ?? 0;
    const best = this.state.best;
    const improved = best === null || (maximize ? value > best + delta : value < best - delta);
    if (improved) {
      this.state.best = value;
      this.state.bestEpoch = metrics.epoch;
      this.state.wait = 0;
    } else {
      this.state.wait++;
    }
    return improved;
  }

  get shouldStop(): boolean {
    return this.state.wait >= this.config.patience;
  }
}
