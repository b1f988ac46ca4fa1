// The job resource: what the API shows of a stored job record. Responses, the SSE snapshot and the
// `state` events (published as whole records by the training run and by the queue) carry exactly it.

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJobResource } from '../../../../src/api/routes/jobs/resource.js';
import type { JobRecord } from '../../../../src/storage/job-record.js';
import { createTestApp, type TestApp } from '../../../helpers/test-app.js';
import { parseSse, type SseEvent } from '../../../helpers/sse.js';
import { jobConfig, separableData, tinySpec } from '../../../helpers/training-fixtures.js';

const RESOURCE_KEYS = ['checkpointIds', 'config', 'createdAt', 'datasetId', 'error', 'finishedAt', 'history', 'id', 'modelId', 'progress', 'startedAt', 'state', 'sweepId'];
const keysOf = (value: unknown) => Object.keys(value as object).sort();

describe('toJobResource', () => {
  it('drops the bookkeeping fields and keeps every other field as it is', () => {
    const record: JobRecord = {
      id: 'j', modelId: 'm', datasetId: 'd', state: 'running', config: jobConfig(),
      progress: { epoch: 1, epochs: 5, step: 2, steps: 4, fraction: 0.3, samplesPerSecond: 10, etaSeconds: 3 },
      history: [], checkpointIds: ['c'], error: null, createdAt: 't0', startedAt: 't1', finishedAt: null,
      attempts: 2, idempotencyKey: 'key', startEpoch: 0, updatedAt: 't2', clientKey: 'ip:127.0.0.1',
    };
    const resource = toJobResource(record);
    expect(keysOf(resource)).toEqual(RESOURCE_KEYS);
    for (const key of RESOURCE_KEYS.filter((k) => k !== 'sweepId')) expect(resource[key as keyof typeof resource]).toBe(record[key as keyof JobRecord]);
    expect(resource.sweepId).toBeNull(); // a record older than sweeps has none; the resource always says
    expect(toJobResource({ ...record, sweepId: 's', trial: { sweepId: 's', index: 0, metric: 'loss', earlyTermination: { type: 'none' } } })).toMatchObject({ sweepId: 's' });
    expect(keysOf(toJobResource({ ...record, sweepId: 's', trial: null }))).toEqual(RESOURCE_KEYS);
  });
});

describe('jobs as the API sends them', () => {
  let t: TestApp;
  let modelId: string;
  let datasetId: string;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp();
    const data = separableData(64);
    datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny', spec: tinySpec } })).json().id;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = async (body: Record<string, unknown>, key: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'idempotency-key': key }, payload: { modelId, datasetId, ...body } });
    expect(res.statusCode).toBe(202);
    return res.json() as { id: string };
  };
  const jobEvents = (events: SseEvent[]) => events.filter((e) => e.event === 'snapshot' || e.event === 'state');

  it('the response, the snapshot and the run\'s state events carry the resource, not the record', async () => {
    const job = await submit({ epochs: 2 }, 'resource-run');
    expect(keysOf(job)).toEqual(RESOURCE_KEYS);
    const { events } = parseSse((await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/events` })).body);
    const jobs = jobEvents(events);
    expect(jobs[0].event).toBe('snapshot');
    expect(jobs.at(-1)).toMatchObject({ event: 'state', data: { state: 'succeeded' } });
    for (const event of jobs) expect(keysOf(event.data)).toEqual(RESOURCE_KEYS);
  });

  it('the state event the queue publishes when it cancels a queued job carries the resource', async () => {
    // One training thread: the first job runs, so the second stays queued until it is cancelled.
    const blocker = await submit({ epochs: 100_000, checkpointEvery: 100_000 }, 'resource-blocker');
    const queued = await submit({ epochs: 1 }, 'resource-queued');
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/v1/jobs/${queued.id}/events` }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const first = !text.includes('event: snapshot');
          text += chunk;
          // Subscribed before the snapshot is written, so the cancel's event reaches this stream live.
          if (first && text.includes('event: snapshot')) void t.app.inject({ method: 'POST', url: `/v1/jobs/${queued.id}/cancel` });
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${blocker.id}/cancel` });
    const jobs = jobEvents(parseSse(body).events);
    expect(jobs.map((e) => e.event)).toEqual(['snapshot', 'state']);
    expect(jobs[1].id).toBeDefined(); // a live event from the queue, not the record read at the end
    expect(jobs[1].data).toMatchObject({ state: 'cancelled' });
    for (const event of jobs) expect(keysOf(event.data)).toEqual(RESOURCE_KEYS);
  });
});
