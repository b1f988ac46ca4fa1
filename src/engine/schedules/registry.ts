// The learning-rate schedule registry: the list of schedule entries and the config reader that goes
// through it. Nothing else in the engine names a schedule type. Adding one: its file in schedules/
// and one line in the list.

import { Registry } from '../registry.js';
import { describe, isObject, readFields, readType, specError, type FieldContext } from '../spec-fields.js';
import { cosineSchedule } from './cosine.js';
import { exponentialSchedule } from './exponential.js';
import { reduceOnPlateauSchedule } from './reduce-on-plateau.js';
import type { LrSchedule, ScheduleEntry } from './schedule.js';
import { stepSchedule } from './step.js';

const BUILT_IN_ENTRIES = [stepSchedule, exponentialSchedule, cosineSchedule, reduceOnPlateauSchedule] as const;

/** A complete schedule config, every default filled in (what a job or checkpoint records). */
export type LrScheduleConfig = ReturnType<(typeof BUILT_IN_ENTRIES)[number]['resolve']>;

export const LR_SCHEDULES = new Registry<ScheduleEntry>(BUILT_IN_ENTRIES);

const ROOT: FieldContext = { label: 'lrSchedule', pointer: '/lrSchedule', code: 'CONFIG_INVALID' };

/** Reads a schedule config (CONFIG_INVALID naming the field) and fills every default. */
export function validateLrSchedule(raw: unknown): LrScheduleConfig {
  if (!isObject(raw)) throw specError(ROOT, null, `must be an object with a "type", received ${describe(raw)}`);
  const entry = LR_SCHEDULES.get(readType(raw, ROOT, LR_SCHEDULES.types));
  return entry.resolve(readFields(raw, entry.fields, ROOT), ROOT) as LrScheduleConfig;
}

export function createLrSchedule(config: LrScheduleConfig, baseRate: number): LrSchedule {
  return LR_SCHEDULES.get(config.type).create(config, baseRate);
}
