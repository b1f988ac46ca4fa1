// POST /v1/models/:id/predict (TF-Serving `instances` in, `predictions` + `classes` out) and
// POST /v1/models/:id/evaluate (loss, accuracy, confusion matrix on a stored dataset). Instances are
// checked in one pass against the model's input shape before they join a batch (inference-service.ts),
// and the answer is serialized from its schema (fast-json-stringify) rather than by JSON.stringify.

import type { FastifyInstance } from 'fastify';
import fastJson from 'fast-json-stringify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../../errors.js';
import { toRows } from '../../../inference/classify.js';
import { assertDatasetFits } from '../../../training/dataset-fit.js';
import { assertBatchFits } from './batch-limit.js';
import type { RouteOptions } from '../../deps.js';
import { checkpointSelector, idParams } from '../../schemas/common.js';
import { packRows } from '../../schemas/instances.js';
import { readPackedPredictBody } from '../../schemas/number-rows-json.js';
import { useFastJsonReader } from '../../plugins/json-body.js';

const predictBody = z.strictObject({
  // Arrays of numbers, or Float32Arrays when the route's body reader packed them (number-rows-json.ts).
  instances: z.array(z.unknown()).min(1),
  checkpoint: checkpointSelector,
});

const evaluateBody = z.strictObject({
  datasetId: z.string().min(1),
  checkpoint: checkpointSelector,
});

/** The 200 answer of predict (openapi.yaml's PredictResponse). */
export const predictResponseSchema = {
  type: 'object',
  properties: {
    predictions: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    // An index per instance (softmax) or a 0/1 array (several sigmoids): left to JSON.stringify per item.
    classes: { type: ['array', 'null'], items: {} },
    classNames: { type: ['array', 'null'], items: { type: 'string' } },
    checkpoint: { type: 'string' },
  },
  required: ['predictions', 'classes', 'classNames', 'checkpoint'],
} as const;

export async function predictRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { models, datasets } = deps.storage;

  const predictRoute = {
    schema: { params: idParams, body: predictBody, response: { 200: predictResponseSchema } },
    serializerCompiler: ({ schema }: { schema: unknown }) => fastJson(schema as Parameters<typeof fastJson>[0]),
  };
  // Its own scope, so the body reader below serves this route only.
  await app.register(async (predictScope) => {
    useFastJsonReader(predictScope, readPackedPredictBody);
    predictScope.withTypeProvider<ZodTypeProvider>().post('/models/:id/predict', predictRoute, async (request) => {
      const model = await deps.inference.model(request.params.id);
      const { instances, checkpoint } = request.body;
      const count = instances.length;
      const max = deps.config.predictMaxInstances;
      if (count > max) {
        throw new AppError(413, 'BATCH_TOO_LARGE', `${count} instances in one request; the limit is ${max}`, [
          { path: '/instances', message: `at most ${max} instances` },
        ]);
      }
      assertBatchFits(model, count, deps.config.predictLimits.maxBatchBytes);
      const inputs = await packRows(instances, model.spec.input, '/instances');
      const result = await deps.inference.predict({ modelId: model.id, selector: checkpoint, inputs, count });
      return {
        predictions: toRows(result.outputs, result.outputSize),
        classes: result.classes,
        classNames: result.classNames,
        checkpoint: result.checkpoint.id,
      };
    });
  });

  app.post('/models/:id/evaluate', { schema: { params: idParams, body: evaluateBody } }, async (request) => {
    const model = await models.get(request.params.id);
    const dataset = await datasets.get(request.body.datasetId);
    assertDatasetFits(model, dataset);
    const { tensors } = await datasets.load(dataset.id);
    const result = await deps.inference.evaluate(model.id, request.body.checkpoint, tensors, dataset.count);
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
