// /v1/jobs over the real app and embedded queue: submit (defaults, idempotency, 400/404/422 with
// nothing stored), get, list (filters, pagination), cancel (202, 409), and 503 when the queue is down.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../src/api/app.js';
import { createServices } from '../../../../src/api/services.js';
import { loadConfig } from '../../../../src/config.js';
import { BullmqQueue } from '../../../../src/queue/bullmq-queue.js';
import { resolvedWithTimersFrozen } from '../../../helpers/frozen-timers.js';
import { createTestApp, expectError, MISSING_ID, storedFiles, type TestApp } from '../../../helpers/test-app.js';
import { finishedRecord } from '../../../../src/storage/job-record.js';
import { parseSse } from '../../../helpers/sse.js';
import { jobConfig, separableData, tinySpec, waitFor } from '../../../helpers/training-fixtures.js';

describe('jobs routes', () => {
  let t: TestApp;
  let modelId: string;
  let datasetId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const data = separableData(64);
    datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny', spec: tinySpec } })).json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId, datasetId, epochs: 2, ...body }, headers });
  const getJob = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
  const jobFiles = () => storedFiles(t.dataDir, 'jobs').then((files) => files.filter((f) => f.endsWith('.json')));

  it('202 with the job resource, every default filled in, and a Location header', async () => {
    const res = await submit({});
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ modelId, datasetId, state: 'queued', history: [], checkpointIds: [], error: null, startedAt: null, finishedAt: null });
    expect(job.config).toEqual({
      epochs: 2, batchSize: 32, validationSplit: 0, validationDatasetId: null, seed: 42, shuffle: true,
      earlyStopping: null, checkpointEvery: 1, resumeFrom: null, lrSchedule: null, clipGradNorm: null,
      optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    });
    expect(job.progress).toEqual({ epoch: 0, epochs: 2, step: 0, steps: 0, fraction: 0, samplesPerSecond: null, etaSeconds: null });
    expect(job).not.toHaveProperty('attempts');
    const done = await waitFor(() => getJob(job.id), (j) => j.state === 'succeeded');
    expect(done.history).toHaveLength(2);
    expect(done.checkpointIds).toHaveLength(2);
  });

  it('fills earlyStopping defaults and picks valLoss when there is validation data', async () => {
    const res = await submit({ validationSplit: 0.25, earlyStopping: { patience: 1 }, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } });
    expect(res.statusCode).toBe(202);
    expect(res.json().config.earlyStopping).toEqual({ monitor: 'valLoss', patience: 1, minDelta: 0, restoreBest: false });
    expect(res.json().config.optimizer).toEqual({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 });
  });

  it('a resume without an optimizer keeps the optimizer of the job that wrote the checkpoint', async () => {
    const sgd = { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 };
    const first = (await submit({ epochs: 1, optimizer: sgd })).json();
    const done = await waitFor(() => getJob(first.id), (j) => j.state === 'succeeded');
    const resumed = await submit({ epochs: 1, resumeFrom: done.checkpointIds.at(-1) });
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json().config.optimizer).toEqual(sgd);
    const changed = await submit({ epochs: 1, resumeFrom: done.checkpointIds.at(-1), optimizer: { type: 'adam', learningRate: 0.01 } });
    expect(changed.json().config.optimizer).toMatchObject({ type: 'adam', learningRate: 0.01 });
  });

  it('rmsprop, adamw, lrSchedule and clipGradNorm: defaults filled in, and history gives each epoch\'s learningRate', async () => {
    const res = await submit({ epochs: 3, optimizer: { type: 'adamw', learningRate: 0.01 }, lrSchedule: { type: 'exponential', gamma: 0.5 }, clipGradNorm: 1 });
    expect(res.statusCode).toBe(202);
    expect(res.json().config).toMatchObject({
      optimizer: { type: 'adamw', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
      lrSchedule: { type: 'exponential', gamma: 0.5 }, clipGradNorm: 1,
    });
    const done = await waitFor(() => getJob(res.json().id), (j) => j.state === 'succeeded');
    expect(done.history.map((h: { learningRate: number }) => h.learningRate)).toEqual([0.01, 0.005, 0.0025]);
    const rmsprop = (await submit({ optimizer: { type: 'rmsprop', centered: true }, lrSchedule: { type: 'reduceOnPlateau' } })).json();
    expect(rmsprop.config.optimizer).toEqual({ type: 'rmsprop', learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, momentum: 0, centered: true, weightDecay: 0 });
    expect(rmsprop.config.lrSchedule).toEqual({ type: 'reduceOnPlateau', monitor: 'loss', factor: 0.1, patience: 10, minLr: 0 });
    const withValidation = (await submit({ validationSplit: 0.25, lrSchedule: { type: 'reduceOnPlateau', patience: 2 } })).json();
    expect(withValidation.config.lrSchedule).toEqual({ type: 'reduceOnPlateau', monitor: 'valLoss', factor: 0.1, patience: 2, minLr: 0 });
  });

  it('a resume continues the schedule of the job that wrote the checkpoint; one that sends its own schedule or optimizer restarts it from the base rate', async () => {
    const lrSchedule = { type: 'step', stepSize: 1, gamma: 0.5 };
    const first = (await submit({ epochs: 2, optimizer: { type: 'sgd', learningRate: 0.1 }, lrSchedule })).json();
    const done = await waitFor(() => getJob(first.id), (j) => j.state === 'succeeded');
    expect(done.history.map((h: { learningRate: number }) => h.learningRate)).toEqual([0.1, 0.05]);
    const resumeFrom = done.checkpointIds.at(-1);
    const rates = async (body: Record<string, unknown>) => {
      const res = await submit({ epochs: 1, resumeFrom, ...body });
      expect(res.statusCode).toBe(202);
      const job = await waitFor(() => getJob(res.json().id), (j) => j.state === 'succeeded');
      return { config: job.config, rates: job.history.map((h: { epoch: number; learningRate: number }) => [h.epoch, h.learningRate]) };
    };
    const continued = await rates({});
    expect(continued.config.lrSchedule).toEqual(lrSchedule);
    expect(continued.rates).toEqual([[3, 0.025]]);
    expect((await rates({ lrSchedule })).rates).toEqual([[3, 0.1]]);
    expect((await rates({ optimizer: { type: 'sgd', learningRate: 0.2 } })).rates).toEqual([[3, 0.2]]);
    const without = await rates({ lrSchedule: null });
    expect(without.config.lrSchedule).toBeNull();
    expect(without.rates).toEqual([[3, 0.1]]);
  });

  it('clipGradNorm must be a positive number: 400 naming /clipGradNorm', async () => {
    for (const clipGradNorm of [0, -1, 'big']) {
      const res = await submit({ clipGradNorm });
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
      expect(JSON.stringify(res.json().error.details)).toContain('/clipGradNorm');
    }
  });

  it('returns the same job for the same Idempotency-Key', async () => {
    const first = await submit({}, { 'idempotency-key': 'abc-123' });
    const second = await submit({}, { 'idempotency-key': 'abc-123' });
    const third = await submit({}, { 'idempotency-key': 'abc-124' });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.json().id);
    expect(third.json().id).not.toBe(first.json().id);
  });

  it('400 VALIDATION_ERROR naming the field for schema-invalid bodies; nothing stored', async () => {
    const before = await jobFiles();
    const cases: [Record<string, unknown>, string][] = [
      [{ epochs: 0 }, '/epochs'],
      [{ epochs: 1.5 }, '/epochs'],
      [{ epochs: '3' }, '/epochs'],
      [{ batchSize: -1 }, '/batchSize'],
      [{ validationSplit: 1 }, '/validationSplit'],
      [{ seed: -1 }, '/seed'],
      [{ checkpointEvery: 0 }, '/checkpointEvery'],
      [{ shuffle: 'yes' }, '/shuffle'],
      [{ earlyStopping: { patience: -1 } }, '/earlyStopping/patience'],
      [{ earlyStopping: { patience: 1, extra: true } }, '/earlyStopping'],
      [{ epoch: 3 }, '/'],
      [{ modelId: 42 }, '/modelId'],
      [{ validationSplit: 0.2, validationDatasetId: datasetId }, '/validationSplit'],
    ];
    for (const [body, path] of cases) {
      const res = await submit(body);
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
      expect(res.json().error.details.map((d: { path: string }) => d.path).join(' ')).toContain(path);
    }
    // Over MAX_EPOCHS is a configurable limit, not a schema bound (test/api/limits.test.ts).
    const tooMany = await submit({ epochs: 1e9 });
    expectError(tooMany.json(), 422, 'LIMIT_EXCEEDED', tooMany.statusCode);
    expect(tooMany.json().error.details[0].path).toBe('/epochs');
    const notAnObject = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: '[1,2]', headers: { 'content-type': 'application/json' } });
    expectError(notAnObject.json(), 400, 'VALIDATION_ERROR', notAnObject.statusCode);
    expect(await jobFiles()).toEqual(before);
  });

  it('422 CONFIG_INVALID for impossible optimizer or early-stopping settings', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ optimizer: { type: 'adam', learningRate: -1 } }, '/optimizer/learningRate'],
      [{ optimizer: { type: 'lbfgs', learningRate: 0.1 } }, '/optimizer/type'],
      [{ optimizer: { type: 'rmsprop', alpha: 1 } }, '/optimizer/alpha'],
      [{ lrSchedule: { type: 'step' } }, '/lrSchedule/stepSize'],
      [{ lrSchedule: { type: 'cosine', tMax: 5, etaMax: 1 } }, '/lrSchedule/etaMax'],
      [{ lrSchedule: { type: 'reduceOnPlateau', monitor: 'valAccuracy' } }, '/lrSchedule/monitor'],
      [{ optimizer: { type: 'sgd', learningRate: 0.1, nesterov: true } }, '/optimizer/nesterov'],
      [{ earlyStopping: { monitor: 'valLoss', patience: 2 } }, '/earlyStopping/monitor'],
    ];
    for (const [body, path] of cases) {
      const res = await submit(body);
      expectError(res.json(), 422, 'CONFIG_INVALID', res.statusCode);
      expect(res.json().error.details[0].path).toBe(path);
    }
  });

  it('404 for unknown or malformed model, dataset, validation dataset and checkpoint ids', async () => {
    const before = await jobFiles();
    for (const bad of [MISSING_ID, '../x', '%2e%2e%2f', '/etc/passwd', '', 'x'.repeat(300)]) {
      const model = await submit({ modelId: bad });
      expectError(model.json(), 404, 'MODEL_NOT_FOUND', model.statusCode);
      const dataset = await submit({ datasetId: bad });
      expectError(dataset.json(), 404, 'DATASET_NOT_FOUND', dataset.statusCode);
      const validation = await submit({ validationDatasetId: bad });
      expectError(validation.json(), 404, 'DATASET_NOT_FOUND', validation.statusCode);
      const checkpoint = await submit({ resumeFrom: bad });
      expectError(checkpoint.json(), 404, 'CHECKPOINT_NOT_FOUND', checkpoint.statusCode);
    }
    expect(await jobFiles()).toEqual(before);
  });

  it('422 SHAPE_MISMATCH when the dataset does not fit the model', async () => {
    const wide = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'wide', inputShape: [3], inputs: [[1, 2, 3], [3, 2, 1]], labels: [0, 1] } });
    const manyClasses = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'five', inputShape: [2], inputs: [[1, 2], [2, 1]], labels: [0, 4] } });
    for (const body of [{ datasetId: wide.json().id }, { validationDatasetId: wide.json().id }, { datasetId: manyClasses.json().id }]) {
      const res = await submit(body);
      expectError(res.json(), 422, 'SHAPE_MISMATCH', res.statusCode);
    }
  });

  it('GET one: 404 JOB_NOT_FOUND for unknown and malformed ids', async () => {
    for (const id of [MISSING_ID, 'nope', '..%2f..%2fetc']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
      expectError(res.json(), 404, 'JOB_NOT_FOUND', res.statusCode);
    }
  });

  it('lists jobs newest first with filters and cursor pagination', async () => {
    const otherModel = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'other', spec: tinySpec } })).json().id;
    const mine = [(await submit({ modelId: otherModel })).json().id, (await submit({ modelId: otherModel })).json().id];
    const filtered = await t.app.inject({ method: 'GET', url: `/v1/jobs?modelId=${otherModel}` });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json().items.map((j: { id: string }) => j.id).sort()).toEqual([...mine].sort());
    expect(filtered.json().items[0]).not.toHaveProperty('attempts');

    const ids: string[] = [];
    let url = '/v1/jobs?limit=2';
    for (;;) {
      const page = (await t.app.inject({ method: 'GET', url })).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.items.map((j: { id: string }) => j.id));
      if (!page.nextCursor) break;
      url = `/v1/jobs?limit=2&cursor=${page.nextCursor}`;
    }
    const all = (await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=500' })).json().items.map((j: { id: string }) => j.id);
    expect(ids).toEqual(all);

    await waitFor(() => getJob(mine[1]), (j) => j.state === 'succeeded');
    const succeeded = (await t.app.inject({ method: 'GET', url: `/v1/jobs?modelId=${otherModel}&state=succeeded` })).json().items;
    expect(succeeded.map((j: { id: string }) => j.id)).toContain(mine[1]);
    for (const query of ['state=done', 'limit=0', 'limit=501', 'cursor=bm9wZQ']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/jobs?${query}` });
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
    }
  });

  it('cancel: 202 for a running job, which then ends cancelled; 409 JOB_FINISHED after; 404 unknown', async () => {
    const job = (await submit({ epochs: 100_000, batchSize: 1 })).json();
    await waitFor(() => getJob(job.id), (j) => j.state === 'running');
    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(res.statusCode).toBe(202);
    expect(res.json().id).toBe(job.id);
    const cancelled = await waitFor(() => getJob(job.id), (j) => j.state === 'cancelled');
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.finishedAt).not.toBeNull();
    const again = await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expectError(again.json(), 409, 'JOB_FINISHED', again.statusCode);
    const unknown = await t.app.inject({ method: 'POST', url: `/v1/jobs/${MISSING_ID}/cancel` });
    expectError(unknown.json(), 404, 'JOB_NOT_FOUND', unknown.statusCode);
  });
});

describe('jobs routes with the queue down', () => {
  it('503 QUEUE_UNAVAILABLE at once (no waiting on Redis) with Retry-After, the job is not kept, and reads of finished jobs still work', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-jobs-down-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PREDICT_THREADS: '1' });
    const services = await createServices(config);
    const queue = new BullmqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: 'nn-test-down', queueName: 'training', jobs: services.deps.jobs, maxAttempts: 1 });
    const app = await buildApp({ ...services.deps, queue });
    try {
      const data = separableData(8);
      const ds = (await app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 's', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
      const model = (await app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'm', spec: tinySpec } })).json().id;
      // Answered with timers frozen: the 503 waits for no reconnect and no timeout.
      const res = await resolvedWithTimersFrozen(() => app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId: model, datasetId: ds, epochs: 1 }, headers: { 'idempotency-key': 'k' } }));
      expectError(res.json(), 503, 'QUEUE_UNAVAILABLE', res.statusCode);
      expect(res.headers['retry-after']).toBeDefined();
      expect((await storedFiles(dataDir, 'jobs')).filter((f) => f.endsWith('.json'))).toEqual([]);
      expect((await storedFiles(join(dataDir, 'jobs'), 'idempotency-keys'))).toEqual([]);

      // Reads keep working: a finished job's record and its event stream need no queue.
      const { job } = await services.deps.jobs.create({ modelId: model, datasetId: ds, config: jobConfig() });
      await services.deps.jobs.save(finishedRecord(job, 'succeeded', null));
      expect((await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).statusCode).toBe(200);
      const stream = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/events` });
      expect(parseSse(stream.body).events.map((e) => e.event)).toEqual(['snapshot', 'state']);
      const cancel = await app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
      expectError(cancel.json(), 409, 'JOB_FINISHED', cancel.statusCode);
    } finally {
      await app.close();
      await queue.close();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
