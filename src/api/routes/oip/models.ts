// Model metadata and model readiness, with and without `/versions/:version`. Metadata needs only the
// stored spec; with a version (and for readiness) the checkpoint is resolved and its weights loaded,
// so `ready: true` means infer on that version will find sha256-checked weights.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteOptions } from '../../deps.js';
import { PLATFORM, tensorsMetadata } from './metadata.js';
import { findModel, listVersions, resolveVersion } from './serving.js';

export const modelParams = z.object({ model: z.string(), version: z.string().optional() });

export async function modelRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  for (const url of ['/models/:model', '/models/:model/versions/:version']) {
    app.get(url, { schema: { params: modelParams } }, async (request) => {
      const model = await findModel(deps, request.params.model);
      if (request.params.version !== undefined) await resolveVersion(deps, model, request.params.version);
      return { name: model.id, versions: await listVersions(deps, model), platform: PLATFORM, ...tensorsMetadata(model) };
    });
  }

  // Not ready (no checkpoint yet, a corrupt one) answers the /v1 status (409) with the protocol's
  // error body, so an HTTP probe reads it as not ready; unknown models and versions are 404.
  for (const url of ['/models/:model/ready', '/models/:model/versions/:version/ready']) {
    app.get(url, { schema: { params: modelParams } }, async (request) => {
      const model = await findModel(deps, request.params.model);
      await resolveVersion(deps, model, request.params.version);
      return { name: model.id, ready: true };
    });
  }
}
