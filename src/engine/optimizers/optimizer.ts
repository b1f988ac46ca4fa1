// Optimizer configuration, validation and the shared protocol. Each update follows PyTorch's
// torch.optim.SGD / torch.optim.Adam (weight decay added to the gradient, as they do).

import { EngineError } from '../errors.js';
import type { Parameter } from '../layers/layer.js';
import { describe, isObject, readBoolean, readEnum, readNumber, rejectUnknownKeys, type FieldContext, type Raw } from '../spec-fields.js';
import type { Float, Precision } from '../tensor.js';
import { Adam } from './adam.js';
import { Sgd } from './sgd.js';

export interface SgdConfig {
  type: 'sgd';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface AdamConfig {
  type: 'adam';
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;

/** Per-parameter state buffers by slot name (e.g. `exp_avg`), plus the step count. */
export interface OptimizerState {
  step: number;
  slots: Record<string, (Float | null)[]>;
}

export interface Optimizer {
  readonly config: Required<SgdConfig> | Required<AdamConfig>;
  /** Applies one update from each parameter's `grad`. */
  step(params: readonly Parameter[]): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

const ROOT: FieldContext = { label: 'optimizer', pointer: '/optimizer' };

export function validateOptimizerConfig(raw: unknown): Required<SgdConfig> | Required<AdamConfig> {
  try {
    if (!isObject(raw)) throw new Error(`must be an object with a "type", received ${describe(raw)}`);
    return readConfig(raw);
  } catch (err) {
    if (err instanceof EngineError) throw new EngineError('CONFIG_INVALID', err.message, err.details);
    const message = `optimizer: ${(err as Error).message}`;
    throw new EngineError('CONFIG_INVALID', message, [{ path: '/optimizer', message }]);
  }
}

function readConfig(raw: Raw): Required<SgdConfig> | Required<AdamConfig> {
  const type = readEnum(raw, 'type', ROOT, ['sgd', 'adam'] as const);
  const learningRate = readNumber(raw, 'learningRate', ROOT, { min: 0, max: 10, default: NaN });
  if (!(learningRate > 0)) {
    throw new EngineError('CONFIG_INVALID', `optimizer: learningRate must be a number above 0 and at most 10, received ${describe(raw.learningRate)}`, [{ path: '/optimizer/learningRate', message: 'must be above 0' }]);
  }
  const weightDecay = readNumber(raw, 'weightDecay', ROOT, { min: 0, max: 1, default: 0 });
  if (type === 'sgd') {
    rejectUnknownKeys(raw, ['type', 'learningRate', 'momentum', 'nesterov', 'weightDecay'], ROOT);
    const momentum = readNumber(raw, 'momentum', ROOT, { min: 0, max: 1, default: 0, maxExclusive: true });
    const nesterov = readBoolean(raw, 'nesterov', ROOT, false);
    if (nesterov && momentum === 0) {
      throw new EngineError('CONFIG_INVALID', 'optimizer: nesterov needs a momentum above 0', [{ path: '/optimizer/nesterov', message: 'nesterov needs a momentum above 0' }]);
    }
    return { type, learningRate, momentum, nesterov, weightDecay };
  }
  rejectUnknownKeys(raw, ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'], ROOT);
  return {
    type,
    learningRate,
    beta1: readNumber(raw, 'beta1', ROOT, { min: 0, max: 1, default: 0.9, maxExclusive: true }),
    beta2: readNumber(raw, 'beta2', ROOT, { min: 0, max: 1, default: 0.999, maxExclusive: true }),
    epsilon: readNumber(raw, 'epsilon', ROOT, { min: 0, max: 1, default: 1e-8 }),
    weightDecay,
  };
}

export function createOptimizer(raw: unknown, paramCount: number, precision: Precision): Optimizer {
  const config = validateOptimizerConfig(raw);
  return config.type === 'sgd' ? new Sgd(config, paramCount, precision) : new Adam(config, paramCount, precision);
}
