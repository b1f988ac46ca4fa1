// GET /v1/jobs/:id/curves.svg over the real app: an SVG with one vertex per history entry of a real
// trained job, empty axes for a job that has not trained, 404 in the error shape, 401 without a key.

import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, MISSING_ID, type TestApp } from '../../../helpers/test-app.js';
import { jobConfig, separableData, tinySpec, waitFor } from '../../../helpers/training-fixtures.js';

const vertices = (svg: string, series: string) => {
  const m = new RegExp(`<polyline data-series="${series}"[^>]* points="([^"]*)"`).exec(svg);
  return m ? m[1].split(' ').length : 0;
};

describe('GET /v1/jobs/:id/curves.svg', () => {
  let t: TestApp;
  let modelId: string;
  let datasetId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const data = separableData(64);
    datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny-net', spec: tinySpec } })).json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('draws a trained classifier: loss, validation loss, accuracy and validation accuracy per epoch', async () => {
    const job = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId, datasetId, epochs: 4, validationSplit: 0.25 } })).json();
    const done = await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json(), (j) => j.state === 'succeeded');
    expect(done.history).toHaveLength(4);

    const res = await supertest(t.app.server).get(`/v1/jobs/${job.id}/curves.svg`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    const svg = res.text || res.body.toString();
    for (const series of ['loss', 'valLoss', 'accuracy', 'valAccuracy']) expect(vertices(svg, series), series).toBe(4);
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain(`tiny-net · job ${job.id.slice(0, 8)} · succeeded`);
  });

  it('a job with no history yet: 200 with empty axes', async () => {
    // A stored record that no queue runs: it stays queued, with no history.
    const { job } = await t.deps.jobs.create({ modelId, datasetId, config: jobConfig() });
    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/curves.svg` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.body).not.toContain('<polyline');
    expect(res.body).toContain('no epochs yet');
    expect(res.body).toContain(`tiny-net · job ${job.id.slice(0, 8)} · queued`);
  });

  it('unknown or malformed job: 404 JOB_NOT_FOUND in the error shape', async () => {
    for (const id of [MISSING_ID, 'not-a-uuid']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/curves.svg` });
      expectError(res.json(), 404, 'JOB_NOT_FOUND', res.statusCode);
    }
  });
});

describe('GET /v1/jobs/:id/curves.svg with API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'k1,k2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('401 without a key, 404 (not 401) with one for an unknown job', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: `/v1/jobs/${MISSING_ID}/curves.svg` });
    expectError(anonymous.json(), 401, 'UNAUTHORIZED', anonymous.statusCode);
    const keyed = await t.app.inject({ method: 'GET', url: `/v1/jobs/${MISSING_ID}/curves.svg`, headers: { authorization: 'Bearer k2' } });
    expectError(keyed.json(), 404, 'JOB_NOT_FOUND', keyed.statusCode);
  });
});
