// /v1/models/:id/labels: names for checkpoints (`production` -> a checkpoint id) that every checkpoint
// selector accepts (predict, evaluate, downloads, OIP versions). PUT points a label at a checkpoint of
// the model (404 CHECKPOINT_NOT_FOUND otherwise), GET lists or reads, DELETE removes (204).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LABEL_PATTERN, isLabel } from '../../../storage/index.js';
import type { RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';

const labelParams = z.object({
  id: z.string(),
  label: z
    .string()
    .regex(LABEL_PATTERN, 'a label matches [a-z][a-z0-9-]{0,31}')
    .refine(isLabel, '"latest" and "best" are selectors of their own, not labels'),
});

const putLabelBody = z.strictObject({ checkpointId: z.string().min(1).max(100) });

export async function labelsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { models, checkpoints, labels } = deps.storage;

  app.put('/models/:id/labels/:label', { schema: { params: labelParams, body: putLabelBody } }, async (request) => {
    const { id, label } = request.params;
    await models.get(id);
    const checkpoint = await checkpoints.get(request.body.checkpointId, id);
    return labels.set(id, label, checkpoint.id);
  });

  // Labels are few per model: the whole list is one page.
  app.get('/models/:id/labels', { schema: { params: idParams } }, async (request) => {
    await models.get(request.params.id);
    return { items: await labels.all(request.params.id), nextCursor: null };
  });

  app.get('/models/:id/labels/:label', { schema: { params: labelParams } }, async (request) => {
    await models.get(request.params.id);
    return labels.get(request.params.id, request.params.label);
  });

  app.delete('/models/:id/labels/:label', { schema: { params: labelParams } }, async (request, reply) => {
    await models.get(request.params.id);
    await labels.delete(request.params.id, request.params.label);
    return reply.code(204).send();
  });
}
