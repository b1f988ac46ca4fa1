// The protocol every learning-rate schedule implements, and the entry that describes a schedule type
// to the rest of the engine (config fields, factory), as optimizers have. A schedule is stepped once
// per epoch, after it, as torch.optim.lr_scheduler is; it owns its epoch count and state, which a
// checkpoint stores so that a resume continues it exactly.

import type { EpochMetrics } from '../fit.js';
import type { FieldContext, FieldSchemas, FieldValues } from '../spec-fields.js';

/** A schedule's own state as JSON (numbers, or null for "none yet"), stored in checkpoints. */
export type ScheduleState = Record<string, number | null>;

export interface LrSchedule {
  /**
   * Called after each epoch with the rate it trained at and its metrics; returns the next epoch's
   * rate. Follows torch's chainable form (each rate from the previous one), as `scheduler.step()` does.
   */
  next(rate: number, metrics: EpochMetrics): number;
  getState(): ScheduleState;
  setState(state: ScheduleState): void;
}

export interface ScheduleEntry<Config extends { type: string } = { type: string }, Fields extends FieldSchemas = FieldSchemas> {
  readonly type: Config['type'];
  /** Config fields besides `type`, read and defaulted before `resolve`. */
  readonly fields: Fields;
  resolve(values: FieldValues<Fields>, ctx: FieldContext): Config;
  /** A fresh schedule (epoch 0) for an optimizer whose base rate is `baseRate`. */
  create(config: Config, baseRate: number): LrSchedule;
}

/** A factor in (0, 1] or above: torch accepts any positive gamma; 10 keeps it sane. */
export const GAMMA_FIELD = { kind: 'number', min: 0, max: 10, minExclusive: true } as const;

/** A number from a stored state, or `fallback` (a fresh schedule's value) when it is absent. */
export function stateNumber(state: ScheduleState, name: string, fallback: number): number {
  const value = state[name];
  return typeof value === 'number' ? value : fallback;
}
