// /v1/sweeps: submit (202; every trial planned and validated first, nothing stored on a 4xx), list,
// get, cancel (202; 409 SWEEP_FINISHED) and the SSE event stream. The queue drives the trials.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, conflict, notFound } from '../../../errors.js';
import type { SweepRecord } from '../../../storage/sweep-record.js';
import { clientKey } from '../../client-key.js';
import type { AppDeps, RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';
import { streamSweepEvents } from './events.js';
import { planSweep } from './plan.js';
import { currentView, toSweepResource } from './resource.js';
import { createSweepBody, listSweepsQuery, sweepEventsHeaders } from './schemas.js';

export async function sweepsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { sweeps, jobs, queue } = deps;
  const { checkpoints } = deps.storage;
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => [...streams].forEach((end) => end()));
  const present = async (record: SweepRecord) => toSweepResource(await currentView(record, jobs), checkpoints);

  app.post('/sweeps', { schema: { body: createSweepBody } }, async (request, reply) => {
    const { config, plans } = await planSweep(request.body, deps);
    const client = clientKey(request, deps.config.apiKeys.length > 0);
    await assertUnderJobCap(deps, client);
    await queue.ping(); // the queue must be up to take the trials; else 503 and nothing stored
    const record = await sweeps.create({ config, plans, clientKey: client });
    await queue.advanceSweep(record.id);
    const current = (await sweeps.get(record.id)) ?? record;
    return reply.code(202).header('location', `/v1/sweeps/${record.id}`).send(await present(current));
  });

  app.get('/sweeps', { schema: { querystring: listSweepsQuery } }, async (request) => {
    const page = await sweeps.list(request.query);
    return { items: await Promise.all(page.items.map(present)), nextCursor: page.nextCursor };
  });

  app.get('/sweeps/:id', { schema: { params: idParams } }, async (request) => present(await getSweep(deps, request.params.id)));

  app.post('/sweeps/:id/cancel', { schema: { params: idParams } }, async (request, reply) => {
    const record = await getSweep(deps, request.params.id);
    if (record.ended || !(await queue.cancelSweep(record.id))) {
      const ended = (await sweeps.get(record.id)) ?? record;
      throw conflict('SWEEP_FINISHED', `sweep ${record.id} has already ended (${ended.ended?.state ?? 'ended'})`);
    }
    return reply.code(202).send(await present(await getSweep(deps, record.id)));
  });

  app.get('/sweeps/:id/events', { schema: { params: idParams, headers: sweepEventsHeaders } }, async (request, reply) => {
    const record = await getSweep(deps, request.params.id);
    await streamSweepEvents(request, reply, {
      sweepId: record.id, queue, jobs, sweeps, checkpoints, heartbeatMs: deps.config.sseHeartbeatMs, lastEventId: request.headers['last-event-id'],
    }, (end) => {
      streams.add(end);
      return () => streams.delete(end);
    });
  });
}

async function getSweep(deps: AppDeps, id: string): Promise<SweepRecord> {
  const record = await deps.sweeps.get(id);
  if (!record) throw notFound('sweep', id);
  return record;
}

/** A sweep counts once against MAX_ACTIVE_JOBS_PER_CLIENT, with the client's own jobs (its trials do not). */
async function assertUnderJobCap(deps: AppDeps, client: string): Promise<void> {
  const max = deps.config.maxActiveJobsPerClient;
  if (max === 0) return;
  const jobs = (await deps.jobs.unfinished()).filter((job) => job.clientKey === client).length;
  const sweeps = (await deps.sweeps.unfinished()).filter((sweep) => sweep.clientKey === client).length;
  if (jobs + sweeps < max) return;
  throw new AppError(429, 'JOB_LIMIT', `${jobs} jobs and ${sweeps} sweeps of this client are unfinished; the limit is ${max} (MAX_ACTIVE_JOBS_PER_CLIENT)`, [], {
    'retry-after': '30',
  });
}
