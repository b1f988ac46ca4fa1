// GET /v1/jobs/:id/curves.svg: the job's loss/accuracy curves as an SVG image (src/plots/curves-svg.ts),
// drawn from the job record at request time, so a running job's chart grows with each reload.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../errors.js';
import { renderCurvesSvg } from '../../../plots/curves-svg.js';
import type { RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';

export async function curvesRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get('/jobs/:id/curves.svg', { schema: { params: idParams } }, async (request, reply) => {
    const job = await deps.jobs.get(request.params.id);
    if (!job) throw notFound('job', request.params.id);
    // The model may have been deleted since; the chart still names the job.
    const modelName = await deps.storage.models.get(job.modelId).then((m) => m.name, () => null);
    const title = `${modelName ?? 'job'} · job ${job.id.slice(0, 8)} · ${job.state}`;
    return reply
      .type('image/svg+xml; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderCurvesSvg(job.history, { title }));
  });
}
