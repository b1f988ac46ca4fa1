// ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau with threshold 1e-4 relative and
// cooldown 0): when the monitored metric has not improved for more than `patience` epochs, the rate
// is multiplied by `factor`, never below minLr (a change smaller than torch's eps 1e-8 is skipped).

import type { EpochMetrics } from '../fit.js';
import type { FieldSchemas } from '../spec-fields.js';
import { stateNumber, type LrSchedule, type ScheduleEntry, type ScheduleState } from './schedule.js';

export const PLATEAU_MONITORS = ['valLoss', 'loss', 'valAccuracy', 'accuracy'] as const;
export type PlateauMonitor = (typeof PLATEAU_MONITORS)[number];

export interface ReduceOnPlateauConfig {
  type: 'reduceOnPlateau';
  /** Absent: valLoss when the fit has validation data, else loss (decided by the trainer at fit). */
  monitor?: PlateauMonitor;
  factor: number;
  patience: number;
  minLr: number;
}

const PLATEAU_FIELDS = {
  monitor: { kind: 'enum', values: PLATEAU_MONITORS, defaultFrom: '"valLoss" when the job has validation data, else "loss"' },
  factor: { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true, default: 0.1 },
  patience: { kind: 'integer', min: 0, max: 1_000_000, default: 10 },
  minLr: { kind: 'number', min: 0, max: 10, default: 0 },
} as const satisfies FieldSchemas;

const THRESHOLD = 1e-4;
const EPS = 1e-8;

export const reduceOnPlateauSchedule: ScheduleEntry<ReduceOnPlateauConfig, typeof PLATEAU_FIELDS> = {
  type: 'reduceOnPlateau',
  fields: PLATEAU_FIELDS,
  resolve: ({ monitor, factor, patience, minLr }) => ({ type: 'reduceOnPlateau', ...(monitor === undefined ? {} : { monitor }), factor, patience, minLr }),
  create: (config) => new ReduceOnPlateau(config),
};

export function monitorMaximizes(monitor: PlateauMonitor): boolean {
  return monitor === 'accuracy' || monitor === 'valAccuracy';
}

class ReduceOnPlateau implements LrSchedule {
  private epoch = 0;
  /** The best value so far; null before the first (torch's ±inf, which JSON cannot hold). */
  private best: number | null = null;
  private badEpochs = 0;

  constructor(private readonly config: ReduceOnPlateauConfig) {}

  next(rate: number, metrics: EpochMetrics): number {
    this.epoch++;
    const monitor = this.config.monitor ?? (metrics.valLoss === null ? 'loss' : 'valLoss');
    const value = metrics[monitor];
    // A metric the model does not have (accuracy of a regression) is no evidence either way.
    if (value === null) return rate;
    const best = this.best;
    const maximize = monitorMaximizes(monitor);
    // torch: a NaN is never better, so it counts as a bad epoch.
    const better = best === null ? !Number.isNaN(value) : maximize ? value > best * (1 + THRESHOLD) : value < best * (1 - THRESHOLD);
    if (better) {
      this.best = value;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.badEpochs <= this.config.patience) return rate;
    this.badEpochs = 0;
    const reduced = Math.max(rate * this.config.factor, this.config.minLr);
    return rate - reduced > EPS ? reduced : rate;
  }

  getState(): ScheduleState {
    return { epoch: this.epoch, best: this.best, badEpochs: this.badEpochs };
  }

  setState(state: ScheduleState): void {
    this.epoch = stateNumber(state, 'epoch', 0);
    this.best = typeof state.best === 'number' ? state.best : null;
    this.badEpochs = stateNumber(state, 'badEpochs', 0);
  }
}
