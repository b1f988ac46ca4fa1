// Bearer API keys: /v1 routes need one when API_KEYS is set; operations routes never do; wrong or
// missing keys are 401 in the error shape with WWW-Authenticate.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'alpha-key, beta-key' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('401 UNAUTHORIZED without a key or with a wrong one, and nothing is stored', async () => {
    for (const authorization of [undefined, 'Bearer nope', 'Basic YWxwaGEta2V5', 'Bearer']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/datasets',
        payload: { name: 'x', inputShape: [1], inputs: [[1]], labels: [0] },
        headers: authorization ? { authorization } : {},
      });
      expectError(res.json(), 401, 'UNAUTHORIZED', res.statusCode);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await t.deps.storage.datasets.list({ limit: 10 })).items).toEqual([]);
  });

  it('accepts every configured key', async () => {
    for (const key of ['alpha-key', 'beta-key']) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('leaves health, readiness, metrics and docs open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.yaml']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });
});

describe('without API_KEYS', () => {
  it('serves /v1 anonymously', async () => {
    const t = await createTestApp();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/v1/datasets' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
