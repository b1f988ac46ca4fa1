// GET /v1/datasets/:id/samples?offset=&limit=: a window of a stored dataset's rows, in the upload
// body's own fields (flat `inputs` rows, `labels` or `targets`), for the dashboard's preview table and
// image thumbnails. Reads the whole dataset (sha256-checked) per call: a preview, not a hot path.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';

export const MAX_SAMPLES = 100;

const samplesQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_SAMPLES).default(20),
});

export async function datasetSamplesRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get('/datasets/:id/samples', { schema: { params: idParams, querystring: samplesQuery } }, async (request) => {
    const { record, tensors } = await deps.storage.datasets.load(request.params.id);
    const { offset, limit } = request.query;
    const features = record.inputShape.reduce((a, b) => a * b, 1);
    const start = Math.min(offset, record.count);
    const end = Math.min(record.count, start + limit);
    const rows = (data: Float32Array, width: number) =>
      Array.from({ length: end - start }, (_, i) => Array.from(data.subarray((start + i) * width, (start + i + 1) * width)));
    return {
      datasetId: record.id,
      offset: start,
      count: record.count,
      inputs: rows(tensors.inputs, features),
      labels: tensors.labels ? Array.from(tensors.labels.subarray(start, end)) : null,
      targets: tensors.targets && record.targetSize !== null ? rows(tensors.targets, record.targetSize) : null,
    };
  });
}
