// The error handler: unexpected errors are 500 with details hidden (and logged), fastify's own
// errors map to the one shape, and engine/app errors keep their codes.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';

describe('error handler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('hides the details of an unexpected failure behind 500 INTERNAL_ERROR', async () => {
    const spy = vi.spyOn(t.deps.storage.models, 'list').mockRejectedValueOnce(new Error('disk on fire at /secret/path'));
    const res = await t.app.inject({ method: 'GET', url: '/v1/models' });
    expectError(res.json(), 500, 'INTERNAL_ERROR', res.statusCode);
    expect(res.body).not.toContain('secret');
    expect(res.json().error.details).toEqual([]);
    spy.mockRestore();
  });

  it('413 PAYLOAD_TOO_LARGE over BODY_LIMIT_BYTES on ordinary routes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'x'.repeat(4000), spec: {} } });
    expectError(res.json(), 413, 'PAYLOAD_TOO_LARGE', res.statusCode);
  });

  it('415 for content types a route does not take; 400 INVALID_JSON for bad or empty JSON', async () => {
    const csv = await t.app.inject({ method: 'POST', url: '/v1/models', payload: 'a,b', headers: { 'content-type': 'text/csv' } });
    expectError(csv.json(), 415, 'UNSUPPORTED_MEDIA_TYPE', csv.statusCode);
    const bad = await t.app.inject({ method: 'POST', url: '/v1/models', payload: '{oops', headers: { 'content-type': 'application/json' } });
    expectError(bad.json(), 400, 'INVALID_JSON', bad.statusCode);
    const empty = await t.app.inject({ method: 'POST', url: '/v1/models', payload: '', headers: { 'content-type': 'application/json' } });
    expectError(empty.json(), 400, 'INVALID_JSON', empty.statusCode);
    const ctor = await t.app.inject({ method: 'POST', url: '/v1/models', payload: '{"constructor": {"prototype": {}}}', headers: { 'content-type': 'application/json' } });
    expectError(ctor.json(), 400, 'INVALID_JSON', ctor.statusCode);
  });
});
