// The only file of /v2 that talks to the inference service and the stores: the model of a path, the
// checkpoint a version names, the versions to list, and a prediction. The protocol's versions are our
// checkpoint selectors: a checkpoint id, `latest` (also when the path names no version), `best` or a
// label, all resolved by InferenceService.resolve, the resolver /v1 predict uses; infer runs
// InferenceService.predict, exactly as /v1 predict does. (When the inference service's interface
// changes, this file is where /v2 follows it.)

import type { ClassValue } from '../../../inference/classify.js';
import type { CheckpointRecord, ModelRecord } from '../../../storage/types.js';
import type { AppDeps } from '../../deps.js';

/** The version a path without `/versions/:version` means. */
export const DEFAULT_VERSION = 'latest';

/** The model a path names (404 MODEL_NOT_FOUND), from the serving index: no disk read. */
export function findModel(deps: AppDeps, modelId: string): Promise<ModelRecord> {
  return deps.inference.model(modelId);
}

/**
 * The checkpoint a version names (an id, `latest`, `best` or a label), its weights loaded and
 * sha256-checked: 404 when unknown, 409 when the model has none yet or it is corrupt. Every /v2 route
 * resolves versions through here or predict.
 */
export async function resolveVersion(deps: AppDeps, model: ModelRecord, version: string | undefined): Promise<CheckpointRecord> {
  return (await deps.inference.resolve(model.id, version ?? DEFAULT_VERSION)).checkpoint;
}

/** The versions a client may name explicitly: every checkpoint id (newest first), then the model's labels. */
export async function listVersions(deps: AppDeps, model: ModelRecord): Promise<string[]> {
  const entry = await deps.inference.index.entry(model.id);
  return [...entry.checkpoints.map((record) => record.id), ...[...entry.labels.keys()].sort()];
}

export interface Inference {
  checkpoint: CheckpointRecord;
  /** count x outputSize, row-major. */
  outputs: Float32Array;
  outputSize: number;
  outputActivation: string;
  classes: ClassValue[] | null;
}

/** /v1 predict's own path: the same selector resolution, the same batching and engine call, the same classes. */
export function predict(deps: AppDeps, model: ModelRecord, version: string | undefined, inputs: Float32Array, count: number): Promise<Inference> {
  return deps.inference.predict({ modelId: model.id, selector: version ?? DEFAULT_VERSION, inputs, count });
}
