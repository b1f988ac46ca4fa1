// /v1/models: create (the engine validates the spec and infers shapes: 201 with its summary, 422
// SPEC_INVALID/LIMIT_EXCEEDED naming `/spec/...`), validate (the same check, nothing stored: the
// dashboard's live spec editor), list, get, delete (409 MODEL_IN_USE while a job trains it; the
// model's checkpoints and labels go with it).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EngineError, isEngineError, validateSpec, type ValidatedSpec } from '../../../engine/index.js';
import { conflict } from '../../../errors.js';
import type { RouteOptions } from '../../deps.js';
import { idParams, pageQuery, resourceName } from '../../schemas/common.js';

/** The spec's own fields are the engine's business (one validator); here only its envelope. */
const createModelBody = z.strictObject({
  name: resourceName,
  spec: z.record(z.string(), z.unknown()),
});

const validateModelBody = createModelBody.pick({ spec: true });

export async function modelsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { models, checkpoints } = deps.storage;

  app.post('/models', { schema: { body: createModelBody } }, async (request, reply) => {
    const { spec, summary } = validate(request.body.spec, deps.config.engineLimits);
    const record = await models.create({ name: request.body.name, spec, summary });
    return reply.code(201).header('location', `/v1/models/${record.id}`).send(record);
  });

  // What POST /models would answer, without storing a model: 200 {spec, summary} or the same 422.
  app.post('/models/validate', { schema: { body: validateModelBody } }, async (request) => validate(request.body.spec, deps.config.engineLimits));

  app.get('/models', { schema: { querystring: pageQuery } }, async (request) => models.list(request.query));

  app.get('/models/:id', { schema: { params: idParams } }, async (request) => models.get(request.params.id));

  app.delete('/models/:id', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params;
    await models.get(id);
    if (await deps.jobs.isInUse({ modelId: id })) throw conflict('MODEL_IN_USE', `model ${id} is being trained by a queued or running job`);
    await models.delete(id);
    await checkpoints.deleteByModel(id);
    await deps.storage.labels.deleteByModel(id);
    return reply.code(204).send();
  });
}

/** Engine paths are relative to the spec; the request nests it under `/spec`. */
function validate(spec: unknown, limits: RouteOptions['deps']['config']['engineLimits']): ValidatedSpec {
  try {
    return validateSpec(spec, limits);
  } catch (err) {
    if (!isEngineError(err)) throw err;
    throw new EngineError(err.code, err.message, err.details.map((d) => ({ ...d, path: `/spec${d.path === '/' ? '' : d.path}` })));
  }
}
