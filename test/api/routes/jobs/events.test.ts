// GET /v1/jobs/:id/events: snapshot first, live events with ids, a final state event that closes
// the stream, Last-Event-ID resumption, heartbeats on an idle stream, and 404 for unknown jobs.

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, MISSING_ID, type TestApp } from '../../../helpers/test-app.js';
import { parseSse } from '../../../helpers/sse.js';
import { separableData, tinySpec, waitFor } from '../../../helpers/training-fixtures.js';

describe('job events (SSE)', () => {
  let t: TestApp;
  let modelId: string;
  let datasetId: string;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ SSE_HEARTBEAT_MS: '100' });
    const data = separableData(64);
    datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny', spec: tinySpec } })).json().id;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = async (body: Record<string, unknown>) =>
    (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId, datasetId, epochs: 3, ...body } })).json();
  const events = (id: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers });

  it('streams snapshot, then progress, epoch and checkpoint events with ids, then a final state, and closes', async () => {
    const job = await submit({});
    const res = await events(job.id); // inject resolves when the stream closes
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const { events: stream } = parseSse(res.body);
    expect(stream[0].event).toBe('snapshot');
    expect(stream[0].data).toMatchObject({ id: job.id });
    expect(stream[0].id).toBeUndefined();
    const last = stream.at(-1);
    expect(last?.event).toBe('state');
    expect(last?.data).toMatchObject({ id: job.id, state: 'succeeded' });
    const live = stream.slice(1);
    const types = new Set(live.map((e) => e.event));
    // The snapshot may already be past some events, but the epochs still to come are all there.
    expect(types.has('state')).toBe(true);
    expect(live.every((e) => typeof e.id === 'string' && e.id.length > 0)).toBe(true);
    expect(new Set(live.map((e) => e.id)).size).toBe(live.length);
    const epochs = live.filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch);
    const checkpoints = live.filter((e) => e.event === 'checkpoint');
    expect(epochs.length + ((stream[0].data as { history: unknown[] }).history.length)).toBeGreaterThanOrEqual(3);
    expect(checkpoints.every((e) => (e.data as { modelId: string }).modelId === modelId)).toBe(true);
  });

  it('for a finished job: snapshot and final state at once', async () => {
    const job = await submit({ epochs: 1 });
    await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json(), (j) => j.state === 'succeeded');
    const { events: stream } = parseSse((await events(job.id)).body);
    expect(stream.map((e) => e.event)).toEqual(['snapshot', 'state']);
    expect(stream[1].data).toMatchObject({ state: 'succeeded', history: [{ epoch: 1 }] });
  });

  it('Last-Event-ID resumes after that event without a snapshot; an unknown id gets a snapshot', async () => {
    const job = await submit({});
    const first = parseSse((await events(job.id)).body).events.filter((e) => e.id !== undefined);
    expect(first.length).toBeGreaterThan(2);
    const resumed = parseSse((await events(job.id, { 'last-event-id': first[0].id as string })).body).events;
    expect(resumed.map((e) => e.id)).toEqual(first.slice(1).map((e) => e.id));
    expect(resumed.at(-1)?.event).toBe('state');
    const unknown = parseSse((await events(job.id, { 'last-event-id': 'not-an-id' })).body).events;
    expect(unknown.map((e) => e.event)).toEqual(['snapshot', 'state']);
  });

  it('sends heartbeat comments on an idle stream and closes after a cancel', async () => {
    const job = await submit({ epochs: 100_000, batchSize: 64, checkpointEvery: 100_000 });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/v1/jobs/${job.id}/events` }, (res) => {
        let text = '';
        let cancelled = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (!cancelled && text.includes(': heartbeat')) {
            cancelled = true;
            void t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
          }
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    const parsed = parseSse(body);
    expect(parsed.comments).toContain('heartbeat');
    expect(parsed.events.at(-1)).toMatchObject({ event: 'state', data: { state: 'cancelled' } });
  });

  it('404 JOB_NOT_FOUND as JSON for unknown jobs', async () => {
    const res = await events(MISSING_ID);
    expectError(res.json(), 404, 'JOB_NOT_FOUND', res.statusCode);
  });
});
