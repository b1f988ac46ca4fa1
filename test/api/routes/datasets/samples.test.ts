// GET /v1/datasets/:id/samples: a window of stored rows in the upload body's fields, exact values,
// labels or targets, bounds, and the usual 400/404.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, MISSING_ID, type TestApp } from '../../../helpers/test-app.js';

describe('GET /v1/datasets/:id/samples', () => {
  let t: TestApp;
  let images: string;
  let regression: string;
  // Five 2x2x1 "images" whose pixels are 10*i + p: every value says where it came from.
  const rows = Array.from({ length: 5 }, (_, i) => [0, 1, 2, 3].map((p) => 10 * i + p));
  beforeAll(async () => {
    t = await createTestApp();
    images = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'img', inputShape: [2, 2, 1], inputs: rows, labels: [0, 1, 2, 1, 0] } })).json().id;
    regression = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'reg', inputShape: [1], inputs: [[1], [2], [3]], targets: [[0.5, 1], [1.5, 2], [2.5, 3]] } })).json().id;
  });
  afterAll(async () => {
    await t.close();
  });
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('rows offset..offset+limit as flat inputs with their labels', async () => {
    const res = await get(`/v1/datasets/${images}/samples?offset=1&limit=3`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ datasetId: images, offset: 1, count: 5, inputs: rows.slice(1, 4), labels: [1, 2, 1], targets: null });
  });

  it('defaults to the first rows; clips at the end; an offset past the end gives empty lists', async () => {
    expect((await get(`/v1/datasets/${images}/samples`)).json().inputs).toEqual(rows);
    expect((await get(`/v1/datasets/${images}/samples?offset=4&limit=10`)).json()).toMatchObject({ offset: 4, inputs: [rows[4]], labels: [0] });
    expect((await get(`/v1/datasets/${images}/samples?offset=9`)).json()).toMatchObject({ offset: 5, inputs: [], labels: [] });
  });

  it('targets for a regression dataset', async () => {
    expect((await get(`/v1/datasets/${regression}/samples?limit=2`)).json()).toEqual({
      datasetId: regression, offset: 0, count: 3, inputs: [[1], [2]], labels: null, targets: [[0.5, 1], [1.5, 2]],
    });
  });

  it('400 naming the query field; 404 for an unknown dataset', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['offset=-1', 'offset'], ['offset=x', 'offset']]) {
      const res = await get(`/v1/datasets/${images}/samples?${query}`);
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
      expect(res.json().error.details[0].path).toBe(`/query/${field}`);
    }
    const missing = await get(`/v1/datasets/${MISSING_ID}/samples`);
    expectError(missing.json(), 404, 'DATASET_NOT_FOUND', missing.statusCode);
  });
});
