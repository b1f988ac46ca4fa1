// ExponentialLR: the rate is multiplied by gamma after every epoch (torch.optim.lr_scheduler.ExponentialLR).

import type { FieldSchemas } from '../spec-fields.js';
import { GAMMA_FIELD, stateNumber, type LrSchedule, type ScheduleEntry, type ScheduleState } from './schedule.js';

export interface ExponentialScheduleConfig {
  type: 'exponential';
  gamma: number;
}

const EXPONENTIAL_FIELDS = {
  gamma: { ...GAMMA_FIELD, required: true },
} as const satisfies FieldSchemas;

export const exponentialSchedule: ScheduleEntry<ExponentialScheduleConfig, typeof EXPONENTIAL_FIELDS> = {
  type: 'exponential',
  fields: EXPONENTIAL_FIELDS,
  resolve: ({ gamma }) => ({ type: 'exponential', gamma }),
  create: (config) => new ExponentialSchedule(config),
};

class ExponentialSchedule implements LrSchedule {
  private epoch = 0;

  constructor(private readonly config: ExponentialScheduleConfig) {}

  next(rate: number): number {
    this.epoch++;
    return rate * this.config.gamma;
  }

  getState(): ScheduleState {
    return { epoch: this.epoch };
  }

  setState(state: ScheduleState): void {
    this.epoch = stateNumber(state, 'epoch', 0);
  }
}
