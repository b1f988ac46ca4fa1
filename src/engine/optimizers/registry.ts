// The optimizer registry: the list of optimizer entries, and the config reader and factory that go
// through it. Nothing else in the engine names an optimizer type. Adding an optimizer: its file in
// optimizers/ and one line in the list.

import { Registry } from '../registry.js';
import { describe, isObject, readFields, readType, specError, type FieldContext } from '../spec-fields.js';
import type { Precision } from '../tensor.js';
import { adamOptimizer } from './adam.js';
import { adamwOptimizer } from './adamw.js';
import type { Optimizer, OptimizerEntry } from './optimizer.js';
import { rmspropOptimizer } from './rmsprop.js';
import { sgdOptimizer } from './sgd.js';

const BUILT_IN_ENTRIES = [sgdOptimizer, adamOptimizer, rmspropOptimizer, adamwOptimizer] as const;

/** A complete optimizer config, every default filled in (what a job or checkpoint records). */
export type ResolvedOptimizerConfig = ReturnType<(typeof BUILT_IN_ENTRIES)[number]['resolve']>;
/** An optimizer config as callers write it: `type`, and any fields to override torch's defaults. */
export type OptimizerConfig = ResolvedOptimizerConfig extends infer C ? (C extends { type: string } ? Pick<C, 'type'> & Partial<C> : never) : never;

export const OPTIMIZERS = new Registry<OptimizerEntry>(BUILT_IN_ENTRIES);

const ROOT: FieldContext = { label: 'optimizer', pointer: '/optimizer', code: 'CONFIG_INVALID' };

/** Reads an optimizer config (CONFIG_INVALID naming the field) and fills every default. */
export function validateOptimizerConfig(raw: unknown): ResolvedOptimizerConfig {
  if (!isObject(raw)) throw specError(ROOT, null, `must be an object with a "type", received ${describe(raw)}`);
  const entry = OPTIMIZERS.get(readType(raw, ROOT, OPTIMIZERS.types));
  return entry.resolve(readFields(raw, entry.fields, ROOT), ROOT) as ResolvedOptimizerConfig;
}

/** An optimizer whose config is known to be one of the registry's. */
export interface ConfiguredOptimizer extends Optimizer {
  readonly config: ResolvedOptimizerConfig;
}

export function createOptimizer(raw: unknown, precision: Precision): ConfiguredOptimizer {
  const config = validateOptimizerConfig(raw);
  return OPTIMIZERS.get(config.type).create(config, precision) as ConfiguredOptimizer;
}
