// /v1/jobs: submit (202; Idempotency-Key returns the same job), get, list, cancel (202; 409
// JOB_FINISHED), and the SSE event stream (events.ts). The queue runs jobs; this only records them.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { validateOptimizerConfig } from '../../../engine/index.js';
import { AppError, conflict, notFound, validationError } from '../../../errors.js';
import { isTerminal, toJobResource, type JobConfig, type JobRecord } from '../../../storage/job-store.js';
import { assertDatasetFits } from '../../../training/dataset-fit.js';
import type { AppDeps, RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';
import { streamJobEvents } from './events.js';
import { createJobBody, eventsHeaders, idempotencyHeaders, listJobsQuery, type CreateJobBody } from './schemas.js';

export async function jobsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { jobs, queue } = deps;
  // Open SSE streams would hold a graceful close until they end; they end first instead.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => [...streams].forEach((end) => end()));

  app.post('/jobs', { schema: { body: createJobBody, headers: idempotencyHeaders } }, async (request, reply) => {
    const config = await checkJob(request.body, deps);
    const { modelId, datasetId } = request.body;
    const idempotencyKey = request.headers['idempotency-key'] ?? null;
    const { job, created } = await jobs.create({ modelId, datasetId, config, idempotencyKey });
    if (created) {
      try {
        await queue.enqueue(job.id);
      } catch (err) {
        await jobs.remove(job); // not accepted: nothing stored, and the key may be used again
        throw err;
      }
    }
    const current = created ? job : ((await jobs.get(job.id)) ?? job);
    return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(toJobResource(current));
  });

  app.get('/jobs', { schema: { querystring: listJobsQuery } }, async (request) => {
    const { modelId, state, limit, cursor } = request.query;
    const page = await jobs.list({ modelId, state }, { limit, cursor });
    return { items: page.items.map(toJobResource), nextCursor: page.nextCursor };
  });

  app.get('/jobs/:id', { schema: { params: idParams } }, async (request) => toJobResource(await getJob(deps, request.params.id)));

  app.post('/jobs/:id/cancel', { schema: { params: idParams } }, async (request, reply) => {
    const job = await getJob(deps, request.params.id);
    if (isTerminal(job.state)) throw conflict('JOB_FINISHED', `job ${job.id} is already ${job.state}`);
    await queue.cancel(job.id);
    return reply.code(202).send(toJobResource(await getJob(deps, job.id)));
  });

  app.get('/jobs/:id/events', { schema: { params: idParams, headers: eventsHeaders } }, async (request, reply) => {
    const job = await getJob(deps, request.params.id);
    await streamJobEvents(request, reply, {
      job, queue, jobs, heartbeatMs: deps.config.sseHeartbeatMs, lastEventId: request.headers['last-event-id'],
    }, (end) => {
      streams.add(end);
      return () => streams.delete(end);
    });
  });
}

const DEFAULT_OPTIMIZER = { type: 'adam', learningRate: 0.001 };

async function getJob(deps: AppDeps, id: string): Promise<JobRecord> {
  const job = await deps.jobs.get(id);
  if (!job) throw notFound('job', id);
  return job;
}

/** Checks what a schema cannot (ids exist, data fits, settings agree) and returns the stored config. */
async function checkJob(body: CreateJobBody, deps: AppDeps): Promise<JobConfig> {
  const { models, datasets, checkpoints } = deps.storage;
  const model = await models.get(body.modelId);
  assertDatasetFits(model, await datasets.get(body.datasetId));
  if (body.validationDatasetId !== null) {
    if (body.validationSplit > 0) {
      throw validationError('use validationSplit or validationDatasetId, not both', [{ path: '/validationSplit', message: 'must be 0 with validationDatasetId' }]);
    }
    assertDatasetFits(model, await datasets.get(body.validationDatasetId), '/validationDatasetId');
  }
  const resumed = body.resumeFrom === null ? null : await checkpoints.get(body.resumeFrom, model.id);
  // Resuming keeps the optimizer (and so its state) unless the request names another.
  const previous = resumed?.jobId ? (await deps.jobs.get(resumed.jobId))?.config.optimizer : undefined;
  const optimizer = validateOptimizerConfig(body.optimizer ?? previous ?? DEFAULT_OPTIMIZER);
  const { modelId: _m, datasetId: _d, earlyStopping, ...config } = body;
  const hasValidation = body.validationDatasetId !== null || body.validationSplit > 0;
  const monitor = earlyStopping?.monitor ?? (hasValidation ? 'valLoss' : 'loss');
  if (earlyStopping && !hasValidation && monitor.startsWith('val')) {
    throw new AppError(422, 'CONFIG_INVALID', `earlyStopping monitors ${monitor} but the job has no validation data`, [{ path: '/earlyStopping/monitor', message: 'needs validationSplit or validationDatasetId' }]);
  }
  return { ...config, optimizer, earlyStopping: earlyStopping ? { ...earlyStopping, monitor } : null };
}
