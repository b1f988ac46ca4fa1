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
  const getJob = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();

  /** Reads an event stream over HTTP to its end; `onData` sees the text so far after every chunk. */
  const readStream = (path: string, onData: (text: string) => void = () => undefined) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          onData(text);
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });

  /**
   * A job queued behind a running one (one training thread), so a stream opened now sees all of its
   * events live: `release` cancels the blocker and lets the job run.
   */
  const queuedBehindBlocker = async (body: Record<string, unknown>) => {
    const blocker = await submit({ epochs: 100_000, batchSize: 64, checkpointEvery: 100_000 });
    await waitFor(() => getJob(blocker.id), (j) => j.state === 'running');
    const job = await submit(body);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      void t.app.inject({ method: 'POST', url: `/v1/jobs/${blocker.id}/cancel` });
    };
    return { job, release };
  };

  it('streams snapshot, then progress, epoch and checkpoint events with ids, then a final state, and closes', async () => {
    const { job, release } = await queuedBehindBlocker({});
    // The snapshot is written when the stream opens: only then may the job start.
    const body = await readStream(`/v1/jobs/${job.id}/events`, (text) => text.includes('event: snapshot') && release());
    const { events: stream } = parseSse(body);
    expect(stream[0].event).toBe('snapshot');
    expect(stream[0].data).toMatchObject({ id: job.id, state: 'queued', history: [] });
    expect(stream[0].id).toBeUndefined();
    const last = stream.at(-1);
    expect(last?.event).toBe('state');
    expect(last?.data).toMatchObject({ id: job.id, state: 'succeeded' });
    const live = stream.slice(1);
    expect(live.every((e) => typeof e.id === 'string' && e.id.length > 0)).toBe(true);
    expect(new Set(live.map((e) => e.id)).size).toBe(live.length);
    expect(live[0]).toMatchObject({ event: 'state', data: { state: 'running' } });
    expect(live.some((e) => e.event === 'progress')).toBe(true);
    expect(live.filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch)).toEqual([1, 2, 3]);
    const checkpoints = live.filter((e) => e.event === 'checkpoint').map((e) => e.data as { modelId: string; epoch: number });
    expect(new Set(checkpoints.map((c) => c.epoch))).toEqual(new Set([1, 2, 3])); // checkpointEvery 1
    expect(checkpoints.every((c) => c.modelId === modelId)).toBe(true);
    // Each epoch's checkpoint follows its epoch event.
    for (const epoch of [1, 2, 3]) {
      const at = live.findIndex((e) => e.event === 'epoch' && (e.data as { epoch: number }).epoch === epoch);
      const saved = live.findIndex((e) => e.event === 'checkpoint' && (e.data as { epoch: number }).epoch === epoch);
      expect(saved).toBeGreaterThan(at);
    }
  });

  it('a stream opened mid-run gets every epoch once: the snapshot\'s history plus the replayed events it lacks', async () => {
    const epochs = 40;
    const { job, release } = await queuedBehindBlocker({ epochs, checkpointEvery: 100_000 });
    // A first stream lets the job run and tells when epochs have been published; the job record is
    // written only every few seconds, so a second stream opened then has a snapshot that lags them.
    let second: Promise<string> | null = null;
    const firstBody = readStream(`/v1/jobs/${job.id}/events`, (text) => {
      if (text.includes('event: snapshot')) release();
      if (!second && (text.match(/event: epoch/g) ?? []).length >= 3) second = readStream(`/v1/jobs/${job.id}/events`);
    });
    await firstBody;
    const { events: stream } = parseSse(await (second as unknown as Promise<string>));
    expect(stream[0].event).toBe('snapshot');
    const snapshot = stream[0].data as { history: { epoch: number }[] };
    const streamed = stream.filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch);
    const seen = [...snapshot.history.map((h) => h.epoch), ...streamed];
    expect(seen).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    expect(stream.at(-1)).toMatchObject({ event: 'state', data: { state: 'succeeded' } });
  });

  it('for a finished job: snapshot and final state at once', async () => {
    const job = await submit({ epochs: 1 });
    await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json(), (j) => j.state === 'succeeded');
    const { events: stream } = parseSse((await events(job.id)).body);
    expect(stream.map((e) => e.event)).toEqual(['snapshot', 'state']);
    expect(stream[1].data).toMatchObject({ state: 'succeeded', history: [{ epoch: 1 }] });
  });

  it('Last-Event-ID resumes after that event without a snapshot; an unknown id gets a snapshot', async () => {
    const { job, release } = await queuedBehindBlocker({});
    const first = parseSse(await readStream(`/v1/jobs/${job.id}/events`, (text) => text.includes('event: snapshot') && release())).events.filter((e) => e.id !== undefined);
    expect(first.length).toBeGreaterThan(2);
    const resumed = parseSse((await events(job.id, { 'last-event-id': first[0].id as string })).body).events;
    expect(resumed.map((e) => e.id)).toEqual(first.slice(1).map((e) => e.id));
    expect(resumed.at(-1)?.event).toBe('state');
    const unknown = parseSse((await events(job.id, { 'last-event-id': 'not-an-id' })).body).events;
    expect(unknown.map((e) => e.event)).toEqual(['snapshot', 'state']);
  });

  it('sends heartbeat comments on an idle stream and closes after a cancel', async () => {
    const job = await submit({ epochs: 100_000, batchSize: 64, checkpointEvery: 100_000 });
    let cancelled = false;
    const body = await readStream(`/v1/jobs/${job.id}/events`, (text) => {
      if (cancelled || !text.includes(': heartbeat')) return;
      cancelled = true;
      void t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
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
