// POST /v1/models/:id/predict (TF-Serving `instances` in, `predictions` + `classes` out) and
// POST /v1/models/:id/evaluate (loss, accuracy, confusion matrix on a stored dataset). Both run in the
// predict pool; instances are validated by schemas built from the model's input shape.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../../errors.js';
import { classify, nameClasses, toRows } from '../../../inference/classify.js';
import { assertDatasetFits } from '../../../training/dataset-fit.js';
import { formatBytes } from '../../../engine/index.js';
import type { CheckpointRecord, ModelRecord } from '../../../storage/types.js';
import type { AppDeps, RouteOptions } from '../../deps.js';
import { checkpointSelector, idParams } from '../../schemas/common.js';
import { packRows } from '../../schemas/instances.js';

const predictBody = z.strictObject({
  instances: z.array(z.unknown()).min(1),
  checkpoint: checkpointSelector,
});

const evaluateBody = z.strictObject({
  datasetId: z.string().min(1),
  checkpoint: checkpointSelector,
});

export async function predictRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { models, datasets } = deps.storage;

  app.post('/models/:id/predict', { schema: { params: idParams, body: predictBody } }, async (request) => {
    const model = await models.get(request.params.id);
    const { instances, checkpoint } = request.body;
    const max = deps.config.predictMaxInstances;
    if (instances.length > max) {
      throw new AppError(413, 'BATCH_TOO_LARGE', `${instances.length} instances in one request; the limit is ${max}`, [
        { path: '/instances', message: `at most ${max} instances` },
      ]);
    }
    assertBatchFits(model, instances.length, deps.config.predictLimits.maxBatchBytes);
    const inputs = await packRows(instances, model.spec.input, '/instances');
    const result = await deps.inference.predict(model, checkpoint, inputs, instances.length);
    const classes = classify(result.outputs, result.outputSize, result.outputActivation);
    return {
      predictions: toRows(result.outputs, result.outputSize),
      classes,
      classNames: nameClasses(classes, await trainingClassNames(deps, result.checkpoint)),
      checkpoint: result.checkpoint.id,
    };
  });

  app.post('/models/:id/evaluate', { schema: { params: idParams, body: evaluateBody } }, async (request) => {
    const model = await models.get(request.params.id);
    const dataset = await datasets.get(request.body.datasetId);
    assertDatasetFits(model, dataset);
    const { tensors } = await datasets.load(dataset.id);
    const result = await deps.inference.evaluate(model, request.body.checkpoint, tensors, dataset.count);
    return {
      loss: result.loss,
      accuracy: result.accuracy,
      confusionMatrix: result.confusionMatrix,
      count: result.count,
      classNames: dataset.classNames,
      datasetId: dataset.id,
      checkpoint: result.checkpoint.id,
    };
  });
}

/**
 * PREDICT_MAX_BATCH_BYTES: the request's input and output tensors (float32) must fit; the thread's
 * activations are bounded separately (PREDICT_MAX_ACTIVATION_BYTES, by chunking). 413 naming
 * /instances with the largest batch this model allows.
 */
function assertBatchFits(model: ModelRecord, count: number, maxBytes: number): void {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const perInstance = (size(model.summary.inputShape) + size(model.summary.outputShape)) * Float32Array.BYTES_PER_ELEMENT;
  if (count * perInstance <= maxBytes) return;
  const largest = Math.max(1, Math.floor(maxBytes / perInstance));
  throw new AppError(413, 'BATCH_TOO_LARGE', `${count} instances of this model need ${formatBytes(count * perInstance)} of inputs and outputs; the limit is ${formatBytes(maxBytes)} (PREDICT_MAX_BATCH_BYTES)`, [
    { path: '/instances', message: `at most ${largest} instances for this model` },
  ]);
}

/** Class names of the dataset the checkpoint was trained on; null when unknown or deleted since. */
async function trainingClassNames(deps: AppDeps, checkpoint: CheckpointRecord): Promise<string[] | null> {
  const datasetId = checkpoint.datasetId ?? (checkpoint.jobId ? (await deps.jobs.get(checkpoint.jobId))?.datasetId : null);
  if (!datasetId) return null;
  try {
    return (await deps.storage.datasets.get(datasetId)).classNames;
  } catch {
    return null;
  }
}
