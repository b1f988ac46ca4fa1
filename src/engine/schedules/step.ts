// StepLR: the rate is multiplied by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR).

import type { FieldSchemas } from '../spec-fields.js';
import { GAMMA_FIELD, stateNumber, type LrSchedule, type ScheduleEntry, type ScheduleState } from './schedule.js';

export interface StepScheduleConfig {
  type: 'step';
  stepSize: number;
  gamma: number;
}

const STEP_FIELDS = {
  stepSize: { kind: 'integer', min: 1, max: 1_000_000, required: true },
  gamma: { ...GAMMA_FIELD, default: 0.1 },
} as const satisfies FieldSchemas;

export const stepSchedule: ScheduleEntry<StepScheduleConfig, typeof STEP_FIELDS> = {
  type: 'step',
  fields: STEP_FIELDS,
  resolve: ({ stepSize, gamma }) => ({ type: 'step', stepSize, gamma }),
  create: (config) => new StepSchedule(config),
};

class StepSchedule implements LrSchedule {
  private epoch = 0;

  constructor(private readonly config: StepScheduleConfig) {}

  next(rate: number): number {
    this.epoch++;
    return this.epoch % this.config.stepSize === 0 ? rate * this.config.gamma : rate;
  }

  getState(): ScheduleState {
    return { epoch: this.epoch };
  }

  setState(state: ScheduleState): void {
    this.epoch = stateNumber(state, 'epoch', 0);
  }
}
