// The protocol every optimizer implements, and the entry that describes an optimizer type to the
// rest of the engine: its config fields (with torch.optim's defaults), its per-parameter state
// slots (saved in checkpoints) and its factory.

import type { Parameter } from '../layers/tensors.js';
import type { FieldContext, FieldSchemas, FieldValues } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';

/** Per-parameter state buffers by slot name, plus the number of updates applied. */
export interface OptimizerState {
  step: number;
  /**
   * One buffer per parameter for each slot (torch's names: `exp_avg`, `momentum_buffer`). Empty
   * until the first update that needs them (SGD without momentum never does); never partial.
   */
  slots: Record<string, Float[]>;
}

export interface Optimizer {
  /** The complete configuration, every default filled in. */
  readonly config: { readonly type: string; readonly learningRate: number };
  /**
   * The rate the next step uses: the config's at first, then whatever a learning-rate schedule
   * sets (torch's `param_group['lr']`; the config keeps the base rate).
   */
  learningRate: number;
  /** Applies one update from each parameter's `grad` (buffers are not parameters and are never passed). */
  step(params: readonly Parameter[]): void;
  getState(): OptimizerState;
  /** A state from getState (checked against the entry's slots and the parameters by the caller). */
  setState(state: OptimizerState): void;
}

/**
 * Everything the engine knows about one optimizer type; the registry is a list of these. Adding an
 * optimizer is one file with its class and its entry, plus a line in optimizers/registry.ts.
 */
export interface OptimizerEntry<Config extends { type: string; learningRate: number } = { type: string; learningRate: number }, Fields extends FieldSchemas = FieldSchemas> {
  readonly type: Config['type'];
  /** Config fields besides `type` (learningRate included), read and defaulted before `resolve`. */
  readonly fields: Fields;
  /** The complete config from the read fields: rules that involve several fields. */
  resolve(values: FieldValues<Fields>, ctx: FieldContext): Config;
  /**
   * The per-parameter state slots an optimizer with this config keeps once it has taken a step
   * (torch's names), as checkpoints store them: `optimizer.{parameter}.{slot}`.
   */
  slots(config: Config): readonly string[];
  /** A fresh optimizer; its buffers are allocated by the first step, when it sees the parameters. */
  create(config: Config, precision: Precision): Optimizer;
}

/** weightDecay as torch.optim.SGD and Adam take it: L2, added to the gradient. */
export const WEIGHT_DECAY_FIELD = { kind: 'number', min: 0, max: 1, default: 0 } as const;

/** A learning rate in (0, 10] with the optimizer's torch default. */
export function learningRateField<D extends number>(defaultRate: D) {
  return { kind: 'number', min: 0, max: 10, minExclusive: true, default: defaultRate } as const;
}
