// The server never fetches a URL a client gave it: names, class names, ids, headers and CSV fields
// that are URLs (pointing at a local TCP listener) are stored as data or rejected as unknown ids, and
// the listener never gets a connection.

import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, identitySpec, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/training-fixtures.js';

describe('URLs from clients are data', () => {
  let t: TestApp;
  let listener: Server;
  let connections = 0;
  let url: string;
  beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/payload`;
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  it('stores URL-valued fields verbatim, answers URL-valued ids as unknown, and opens no connection', async () => {
    const headers = { 'x-request-id': url, 'idempotency-key': url, referer: url, origin: url };
    const dataset = await t.app.inject({
      method: 'POST', url: '/v1/datasets', headers,
      payload: { name: url, inputShape: [2], inputs: [[0, 1], [1, 0]], labels: [0, 1], classNames: [url, `${url}?b`] },
    });
    expect(dataset.statusCode).toBe(201);
    expect(dataset.json()).toMatchObject({ name: url, classNames: [url, `${url}?b`] });
    const csv = await t.app.inject({
      method: 'POST', url: `/v1/datasets?name=${encodeURIComponent(url)}&labelColumn=label`, headers: { 'content-type': 'text/csv' },
      payload: `x,label\n1,${url}\n2,file:///etc/passwd\n`,
    });
    expect(csv.statusCode).toBe(201);
    expect(csv.json().classNames).toEqual(['file:///etc/passwd', url].sort());
    const model = await t.app.inject({ method: 'POST', url: '/v1/models', headers, payload: { name: url, spec: identitySpec } });
    expect(model.statusCode).toBe(201);
    expect(model.json().name).toBe(url);
    const modelId = model.json().id;
    const datasetId = dataset.json().id;

    const unknown = [
      t.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: { modelId, datasetId: url, epochs: 1 } }),
      t.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: { modelId, datasetId, epochs: 1, resumeFrom: url } }),
      t.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: { modelId, datasetId, epochs: 1, validationDatasetId: url } }),
      t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers, payload: { instances: [[0, 1]], checkpoint: url } }),
      t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/evaluate`, headers, payload: { datasetId: url } }),
      t.app.inject({ method: 'GET', url: `/v1/models/${encodeURIComponent(url)}` }),
    ];
    for (const res of await Promise.all(unknown)) {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, res.body).toBeLessThan(500);
    }
    const job = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: { modelId, datasetId, epochs: 1, batchSize: 2 } });
    expect(job.statusCode).toBe(202);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.json().id}/cancel` });
    const listed = await t.app.inject({ method: 'GET', url: '/v1/datasets' });
    expect(listed.json().items.map((d: { name: string }) => d.name)).toContain(url);

    // The job is the last work these requests started; once it has ended, none is left to connect.
    const ended = await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.json().id}` })).json(), (j) => ['cancelled', 'succeeded'].includes(j.state));
    expect(['cancelled', 'succeeded']).toContain(ended.state);
    expect(connections).toBe(0);
    // The listener does count connections when one is made.
    const probe = connect((listener.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => probe.once('close', resolve).once('error', resolve));
    expect(connections).toBe(1);
  });
});
