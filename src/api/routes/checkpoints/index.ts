// /v1/models/:id/checkpoints: list, get, download weights (safetensors bytes whose sha256 is the
// record's weightsSha256) or the model as ONNX, and import safetensors (validated by the engine:
// 422 WEIGHTS_INVALID). Downloads take a selector (`latest`, `best`, a label or an id), resolved as predict does.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Model } from '../../../engine/index.js';
import { AppError } from '../../../errors.js';
import type { ModelRecord } from '../../../storage/types.js';
import type { RouteOptions } from '../../deps.js';
import { idParams, pageQuery } from '../../schemas/common.js';

const checkpointParams = z.object({ id: z.string(), checkpointId: z.string() });

export async function checkpointsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { models, checkpoints } = deps.storage;
  // The one place downloads resolve a selector: the serving index's, labels included.
  const resolveCheckpoint = async (model: ModelRecord, selector: string) => {
    const { checkpoint, weights } = await deps.inference.resolve(model.id, selector);
    return { record: checkpoint, weights };
  };
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: deps.config.datasetBodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.get('/models/:id/checkpoints', { schema: { params: idParams, querystring: pageQuery } }, async (request) => {
    await models.get(request.params.id);
    return checkpoints.list(request.params.id, request.query);
  });

  app.get('/models/:id/checkpoints/:checkpointId', { schema: { params: checkpointParams } }, async (request) => {
    await models.get(request.params.id);
    return checkpoints.get(request.params.checkpointId, request.params.id);
  });

  app.get('/models/:id/checkpoints/:checkpointId/weights', { schema: { params: checkpointParams } }, async (request, reply) => {
    const model = await models.get(request.params.id);
    const { record, weights } = await resolveCheckpoint(model, request.params.checkpointId);
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${record.id}.safetensors"`)
      .header('etag', `"${record.weightsSha256}"`)
      .send(Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength));
  });

  app.get('/models/:id/checkpoints/:checkpointId/model.onnx', { schema: { params: checkpointParams } }, async (request, reply) => {
    const model = await models.get(request.params.id);
    const { record, weights } = await resolveCheckpoint(model, request.params.checkpointId);
    const onnx = await deps.onnx.export({
      spec: model.spec,
      weights,
      options: {
        name: model.name,
        metadata: { modelId: model.id, checkpointId: record.id, weightsSha256: record.weightsSha256, spec: JSON.stringify(model.spec) },
      },
    });
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${record.id}.onnx"`)
      .send(Buffer.from(onnx.buffer, onnx.byteOffset, onnx.byteLength));
  });

  app.post('/models/:id/checkpoints', { schema: { params: idParams }, bodyLimit: deps.config.datasetBodyLimitBytes }, async (request, reply) => {
    const model = await models.get(request.params.id);
    if (!Buffer.isBuffer(request.body)) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the safetensors bytes as application/octet-stream');
    }
    // Re-exported so the stored (and served) bytes are canonical whatever the uploader's header order.
    const weights = Model.fromWeights(model.spec, new Uint8Array(request.body), { limits: deps.config.engineLimits }).exportWeights();
    const record = await checkpoints.create({ modelId: model.id, epoch: 0, tags: ['imported'], weights, state: null });
    return reply.code(201).header('location', `/v1/models/${model.id}/checkpoints/${record.id}`).send(record);
  });
}
