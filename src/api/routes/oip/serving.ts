// The only file of /v2 that talks to the inference service and the stores: the model of a path, the
// checkpoint a version names, the versions to list, and a prediction. The protocol's versions are our
// checkpoint selectors: a checkpoint id, `latest` (also when the path names no version), `best` or a
// label, all resolved by InferenceService.resolve, the resolver /v1 predict uses; infer runs
// InferenceService.predict, exactly as /v1 predict does. (When the inference service's interface
// changes, this file is where /v2 follows it.)

import { classify, type ClassValue } from '../../../inference/classify.js';
import type { CheckpointRecord, ModelRecord } from '../../../storage/types.js';
import type { AppDeps } from '../../deps.js';

/** The version a path without `/versions/:version` means. */
export const DEFAULT_VERSION = 'latest';

/** The model a path names (404 MODEL_NOT_FOUND). */
export function findModel(deps: AppDeps, modelId: string): Promise<ModelRecord> {
  return deps.storage.models.get(modelId);
}

/**
 * The checkpoint a version names, its weights loaded and sha256-checked: 404 when unknown, 409 when
 * the model has none yet or it is corrupt. Every /v2 route resolves versions through here or predict.
 */
export async function resolveVersion(deps: AppDeps, model: ModelRecord, version: string | undefined): Promise<CheckpointRecord> {
  return (await deps.inference.resolve(model, version ?? DEFAULT_VERSION)).record;
}

/** The versions a client may name explicitly: every checkpoint id, newest first. */
export async function listVersions(deps: AppDeps, model: ModelRecord): Promise<string[]> {
  return (await deps.storage.checkpoints.all(model.id)).map((record) => record.id);
}

export interface Inference {
  checkpoint: CheckpointRecord;
  /** count x outputSize, row-major. */
  outputs: Float32Array;
  outputSize: number;
  outputActivation: string;
  classes: ClassValue[] | null;
}

/** /v1 predict's own path: the same selector resolution, the same engine call, the same classes. */
export async function predict(deps: AppDeps, model: ModelRecord, version: string | undefined, inputs: Float32Array, count: number): Promise<Inference> {
  const result = await deps.inference.predict(model, version ?? DEFAULT_VERSION, inputs, count);
  return { ...result, classes: classify(result.outputs, result.outputSize, result.outputActivation) };
}
