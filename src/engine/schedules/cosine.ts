// CosineAnnealingLR (torch.optim.lr_scheduler.CosineAnnealingLR), in torch's chainable form: from
// the base rate down to etaMin over tMax epochs along half a cosine, then back up (the cosine is
// periodic; torch does not stop at tMax either).

import type { FieldSchemas } from '../spec-fields.js';
import { stateNumber, type LrSchedule, type ScheduleEntry, type ScheduleState } from './schedule.js';

export interface CosineScheduleConfig {
  type: 'cosine';
  tMax: number;
  etaMin: number;
}

const COSINE_FIELDS = {
  tMax: { kind: 'integer', min: 1, max: 1_000_000, required: true },
  etaMin: { kind: 'number', min: 0, max: 10, default: 0 },
} as const satisfies FieldSchemas;

export const cosineSchedule: ScheduleEntry<CosineScheduleConfig, typeof COSINE_FIELDS> = {
  type: 'cosine',
  fields: COSINE_FIELDS,
  resolve: ({ tMax, etaMin }) => ({ type: 'cosine', tMax, etaMin }),
  create: (config, baseRate) => new CosineSchedule(config, baseRate),
};

class CosineSchedule implements LrSchedule {
  private epoch = 0;

  constructor(private readonly config: CosineScheduleConfig, private readonly baseRate: number) {}

  next(rate: number): number {
    const { tMax, etaMin } = this.config;
    const e = ++this.epoch;
    // At the trough the ratio below divides by zero; torch steps up from it by the first increment.
    if ((e - 1 - tMax) % (2 * tMax) === 0) return rate + ((this.baseRate - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (rate - etaMin) + etaMin;
  }

  getState(): ScheduleState {
    return { epoch: this.epoch };
  }

  setState(state: ScheduleState): void {
    this.epoch = stateNumber(state, 'epoch', 0);
  }
}
