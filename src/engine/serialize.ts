// Checkpoint bytes: a safetensors file whose tensors are the model's parameters and buffers
// (`state.layers.{i}.weight`, engine layout, exact precision), the optimizer's per-parameter state
// (`optimizer.layers.{i}.weight.{slot}`) and the best weights kept for early stopping (`best.…`),
// and whose metadata holds the rest of the training state as JSON. One format, so a checkpoint is
// inspectable with any safetensors reader.

import { EngineError } from './errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';
import type { Float } from './tensor.js';

export const CHECKPOINT_FORMAT = 'nn-engine-checkpoint';
export const CHECKPOINT_VERSION = '1';

export interface CheckpointContents<State> {
  state: State;
  tensors: Map<string, Float>;
}

export function encodeCheckpoint<State>(state: State, tensors: Iterable<[string, Float]>): Uint8Array {
  const entries: [string, SafetensorsTensor][] = [];
  for (const [name, data] of tensors) {
    entries.push([name, { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape: [data.length], data }]);
  }
  return encodeSafetensors(entries, { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, state: JSON.stringify(state) });
}

export function decodeCheckpoint<State>(bytes: Uint8Array): CheckpointContents<State> {
  const file = decodeSafetensors(bytes, 'CHECKPOINT_INVALID');
  const { format, version, state } = file.metadata;
  if (format !== CHECKPOINT_FORMAT || version !== CHECKPOINT_VERSION || state === undefined) {
    throw new EngineError('CHECKPOINT_INVALID', `not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} file (format ${JSON.stringify(format)}, version ${JSON.stringify(version)})`);
  }
  let parsed: State;
  try {
    parsed = JSON.parse(state) as State;
  } catch {
    throw new EngineError('CHECKPOINT_INVALID', 'checkpoint state is not valid JSON');
  }
  const tensors = new Map<string, Float>();
  for (const [name, tensor] of file.tensors) tensors.set(name, tensor.data);
  return { state: parsed, tensors };
}
