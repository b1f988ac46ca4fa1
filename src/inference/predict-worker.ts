// Runs inside a predict-pool thread: builds models from verified weights (cached per thread by
// checkpoint id, since a checkpoint's weights never change) and runs predict or evaluate off the
// API's event loop.

import { threadId, workerData } from 'node:worker_threads';
import { evaluate, inferenceChunkSize, isEngineError, Model } from '../engine/index.js';
import { useConfiguredKernel } from '../native/select-kernel.js';
import { readThreadMemory } from '../thread-memory.js';
import { predictRows } from './batch-invariant.js';
import type { InferenceTask, TaskResult } from './tasks.js';

useConfiguredKernel();
const options = (workerData ?? {}) as { modelCacheEntries?: number; activationBudgetBytes?: number };
const maxModels = options.modelCacheEntries ?? 8;
/** PREDICT_MAX_ACTIVATION_BYTES: the activations one predict or evaluate may hold (chunks are sized to fit). */
const activationBudget = options.activationBudgetBytes ?? 128 * 1024 * 1024;
const models = new Map<string, Model>();
const NO_LIMITS = { maxParams: Number.MAX_SAFE_INTEGER, maxActivationBytesPerSample: Number.MAX_SAFE_INTEGER };

function modelFor(task: InferenceTask): Model {
  let model = models.get(task.checkpointId);
  if (model) {
    models.delete(task.checkpointId); // re-insert below: most recently used last
  } else {
    // The spec passed the configured caps when the model was created; do not re-judge it here.
    model = Model.fromWeights(task.spec, task.weights, { limits: NO_LIMITS });
  }
  models.set(task.checkpointId, model);
  while (models.size > maxModels) models.delete(models.keys().next().value as string);
  return model;
}

export default function run(task: InferenceTask): TaskResult {
  const result = answer(task);
  return { ...result, thread: { id: threadId, memory: readThreadMemory() } } as TaskResult;
}

function answer(task: InferenceTask): DistributiveOmit<TaskResult, 'thread'> {
  try {
    const model = modelFor(task);
    const chunk = inferenceChunkSize(model.activationBytesPerSample, activationBudget);
    if (task.op === 'predict') {
      const outputs = predictRows(model, task.inputs, task.count, chunk);
      return { ok: true, op: 'predict', value: { outputs, outputSize: model.outputSize, outputActivation: model.outputActivation } };
    }
    const data = { inputs: task.inputs, count: task.count, labels: task.labels ?? undefined, targets: task.targets ?? undefined };
    return { ok: true, op: 'evaluate', value: evaluate(model, data, chunk) };
  } catch (err) {
    if (isEngineError(err)) return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
    return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), details: [] } };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
