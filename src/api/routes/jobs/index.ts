// /v1/jobs: submit (202; Idempotency-Key returns the same job), get, list, cancel (202; 409
// JOB_FINISHED), and the SSE event stream (events.ts). The queue runs jobs; this only records them.

import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkBatchActivationMemory, validateLrSchedule, validateOptimizerConfig, validateSpec, type LrScheduleConfig } from '../../../engine/index.js';
import { AppError, conflict, notFound, toHttpError, validationError } from '../../../errors.js';
import type { CheckpointRecord, ModelRecord } from '../../../storage/index.js';
import { isTerminal, type JobConfig, type JobRecord } from '../../../storage/job-record.js';
import { assertDatasetFits, assertSplitLeavesData } from '../../../training/dataset-fit.js';
import { resumeTrainer } from '../../../training/prepare-job.js';
import { clientKey } from '../../client-key.js';
import type { AppDeps, RouteOptions } from '../../deps.js';
import { idParams } from '../../schemas/common.js';
import { streamJobEvents } from './events.js';
import { toJobResource } from './resource.js';
import { createJobBody, eventsHeaders, idempotencyHeaders, listJobsQuery, type CreateJobBody } from './schemas.js';

export async function jobsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { jobs, queue } = deps;
  // Open SSE streams would hold a graceful close until they end; they end first instead.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => [...streams].forEach((end) => end()));

  const perClient = new KeyedSerializer();

  app.post('/jobs', { schema: { body: createJobBody, headers: idempotencyHeaders } }, async (request, reply) => {
    const config = await checkJob(request.body, deps);
    // A resumed job that sends its own optimizer or schedule starts the schedule afresh (API.md).
    const restartSchedule = request.body.resumeFrom !== null && (request.body.optimizer !== undefined || request.body.lrSchedule !== undefined);
    const { modelId, datasetId } = request.body;
    const idempotencyKey = request.headers['idempotency-key'] ?? null;
    const client = clientKey(request, deps.config.apiKeys.length > 0);
    // Check and create one at a time per client, so parallel submissions cannot all slip under the cap
    // (within this process; across API processes the cap may be overshot by a few).
    const { job, created } = await perClient.run(client, async () => {
      await assertUnderJobCap(deps, client, idempotencyKey);
      return jobs.create({ modelId, datasetId, config, idempotencyKey, clientKey: client, restartSchedule, requestDigest: digestOf(request.body) });
    });
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
    const { modelId, state, sweepId, limit, cursor } = request.query;
    const page = await jobs.list({ modelId, state, sweepId }, { limit, cursor });
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

/** The engine fills the rest of its defaults (torch's: learningRate 0.001, ...). */
const DEFAULT_OPTIMIZER = { type: 'adam' };

async function getJob(deps: AppDeps, id: string): Promise<JobRecord> {
  const job = await deps.jobs.get(id);
  if (!job) throw notFound('job', id);
  return job;
}

/**
 * Checks what a schema cannot (ids exist, data fits, settings agree, limits hold) and returns the
 * stored config. A sweep passes each trial's `model` (a spec not stored yet) instead of `modelId`'s.
 */
export async function checkJob(body: CreateJobBody, deps: AppDeps, trialModel?: ModelRecord): Promise<JobConfig> {
  const { models, datasets, checkpoints } = deps.storage;
  const { maxEpochs, engineLimits, jobLimits } = deps.config;
  if (body.epochs > maxEpochs) {
    throw new AppError(422, 'LIMIT_EXCEEDED', `epochs ${body.epochs} is over the limit of ${maxEpochs} (MAX_EPOCHS)`, [{ path: '/epochs', message: `at most ${maxEpochs}` }]);
  }
  const model = trialModel ?? (await models.get(body.modelId));
  // The trainer refuses the same batch before it allocates; refusing here means nothing is stored or queued.
  const perSample = validateSpec(model.spec, engineLimits).activationBytesPerSample;
  checkBatchActivationMemory(perSample, body.batchSize, jobLimits.maxActivationBytes, 'JOB_MAX_ACTIVATION_BYTES');
  const dataset = await datasets.get(body.datasetId);
  assertDatasetFits(model, dataset);
  if (body.validationDatasetId === null) assertSplitLeavesData(dataset, body.validationSplit);
  if (body.validationDatasetId !== null) {
    if (body.validationSplit > 0) {
      throw validationError('use validationSplit or validationDatasetId, not both', [{ path: '/validationSplit', message: 'must be 0 with validationDatasetId' }]);
    }
    assertDatasetFits(model, await datasets.get(body.validationDatasetId), '/validationDatasetId');
  }
  const resumed = body.resumeFrom === null ? null : await checkpoints.get(body.resumeFrom, model.id);
  // Resuming keeps the optimizer (and so its state) and the schedule unless the request names others.
  const previous = resumed?.jobId ? (await deps.jobs.get(resumed.jobId))?.config : undefined;
  const optimizer = validateOptimizerConfig(body.optimizer ?? previous?.optimizer ?? DEFAULT_OPTIMIZER);
  const { modelId: _m, datasetId: _d, earlyStopping, lrSchedule: rawSchedule, ...config } = body;
  const hasValidation = body.validationDatasetId !== null || body.validationSplit > 0;
  const lrSchedule = checkSchedule(rawSchedule === undefined ? (previous?.lrSchedule ?? null) : rawSchedule, hasValidation);
  if (resumed) {
    const restartSchedule = body.optimizer !== undefined || body.lrSchedule !== undefined;
    await assertResumable(resumed, model, deps, { seed: body.seed, optimizer, lrSchedule, restartSchedule, limits: engineLimits });
  }
  const monitor = earlyStopping?.monitor ?? (hasValidation ? 'valLoss' : 'loss');
  if (earlyStopping && !hasValidation && monitor.startsWith('val')) {
    throw new AppError(422, 'CONFIG_INVALID', `earlyStopping monitors ${monitor} but the job has no validation data`, [{ path: '/earlyStopping/monitor', message: 'needs validationSplit or validationDatasetId' }]);
  }
  return { ...config, optimizer, lrSchedule, earlyStopping: earlyStopping ? { ...earlyStopping, monitor } : null };
}

/** The engine's reader fills the defaults; the monitor's depends on the job's validation data, known here. */
function checkSchedule(raw: unknown, hasValidation: boolean): LrScheduleConfig | null {
  if (raw === null) return null;
  const schedule = validateLrSchedule(raw);
  if (schedule.type !== 'reduceOnPlateau') return schedule;
  const monitor = schedule.monitor ?? (hasValidation ? 'valLoss' : 'loss');
  if (!hasValidation && monitor.startsWith('val')) {
    throw new AppError(422, 'CONFIG_INVALID', `lrSchedule monitors ${monitor} but the job has no validation data`, [{ path: '/lrSchedule/monitor', message: 'needs validationSplit or validationDatasetId' }]);
  }
  return { ...schedule, monitor };
}

/**
 * The run resumes with `resumeTrainer`; building the same trainer here (and dropping it) refuses a
 * checkpoint whose files fail their sha256 or do not decode, naming /resumeFrom, before anything is stored.
 */
async function assertResumable(record: CheckpointRecord, model: ModelRecord, deps: AppDeps, options: Parameters<typeof resumeTrainer>[3]): Promise<void> {
  try {
    await resumeTrainer(record, model, deps.storage, options);
  } catch (err) {
    const http = toHttpError(err);
    if (http.status !== 409) throw err;
    throw new AppError(409, http.code, http.message, [{ path: '/resumeFrom', message: http.message }]);
  }
}

/** MAX_ACTIVE_JOBS_PER_CLIENT: 429 JOB_LIMIT, unless this is a replay of an accepted request. */
async function assertUnderJobCap(deps: AppDeps, client: string, idempotencyKey: string | null): Promise<void> {
  const max = deps.config.maxActiveJobsPerClient;
  if (max === 0) return;
  if (idempotencyKey !== null && (await deps.jobs.byIdempotencyKey(client, idempotencyKey))) return;
  const active = (await deps.jobs.unfinished()).filter((job) => job.clientKey === client);
  if (active.length < max) return;
  // The soonest a slot may free up: the shortest estimate among the client's running jobs, within reason.
  const etas = active.map((job) => job.progress.etaSeconds).filter((eta): eta is number => eta !== null);
  const retryAfter = Math.min(300, Math.max(1, Math.ceil(etas.length > 0 ? Math.min(...etas) : 30)));
  throw new AppError(429, 'JOB_LIMIT', `${active.length} jobs of this client are queued or running; the limit is ${max} (MAX_ACTIVE_JOBS_PER_CLIENT)`, [], {
    'retry-after': String(retryAfter),
  });
}

/** The request as validated (defaults filled in), keys sorted: equal bodies give equal digests. */
function digestOf(body: CreateJobBody): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

/** Runs tasks one after another per key (a promise chain per key, dropped when idle). */
class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
