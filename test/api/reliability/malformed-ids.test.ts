// Issue 10, finding 7: an over-long id or a malformed percent-encoding answers the resource's own
// `..._NOT_FOUND` (API.md: "an id that is malformed or unknown answers 404 ..._NOT_FOUND"), also when
// fastify rejects the URL before routing. Over inject and over a real socket (supertest).

import request from 'supertest';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, expectError, MISSING_ID, type TestApp } from '../../helpers/test-app.js';

const LONG = 'a'.repeat(10_000);
/** Test titles show the URL with a long id abbreviated. */
const title = (url: string) => url.replace(/([a9])\1{20,}/g, '<$1 x many>');

const cases: [string, string, string][] = [
  ['GET', `/v1/models/${LONG}`, 'MODEL_NOT_FOUND'],
  ['GET', '/v1/models/%ff%fe', 'MODEL_NOT_FOUND'],
  ['POST', `/v1/models/${LONG}/predict`, 'MODEL_NOT_FOUND'],
  ['GET', `/v1/jobs/${LONG}`, 'JOB_NOT_FOUND'],
  ['GET', '/v1/jobs/%E0%A4%A/events', 'JOB_NOT_FOUND'],
  ['POST', `/v1/jobs/${LONG}/cancel`, 'JOB_NOT_FOUND'],
  ['GET', `/v1/datasets/${LONG}`, 'DATASET_NOT_FOUND'],
  ['DELETE', '/v1/datasets/%c3%28', 'DATASET_NOT_FOUND'],
  ['GET', `/v1/models/${MISSING_ID}/checkpoints/${'9'.repeat(5000)}/weights`, 'CHECKPOINT_NOT_FOUND'],
  ['GET', `/v1/models/${MISSING_ID}/checkpoints/%ff`, 'CHECKPOINT_NOT_FOUND'],
  ['GET', `/v1/models/${LONG}/checkpoints/${MISSING_ID}`, 'MODEL_NOT_FOUND'],
];

describe('malformed and over-long ids answer the resource\'s _NOT_FOUND', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(cases.map(([m, u, c]) => [m, title(u), c, u]))('%s %s -> %s (inject)', async (method, _title, code, url) => {
    const res = await t.app.inject({ method: method as 'GET', url });
    expectError(res.json(), 404, code, res.statusCode);
  });

  it.each(cases.map(([m, u, c]) => [m, title(u), c, u]))('%s %s -> %s (HTTP)', async (method, _title, code, url) => {
    const res = await request(t.app.server)[method.toLowerCase() as 'get'](url);
    expectError(res.body, 404, code, res.status);
  });

  it('a malformed URL outside any resource stays NOT_FOUND', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/%ff' });
    expectError(res.json(), 404, 'NOT_FOUND', res.statusCode);
  });
});
