// PREDICT_MAX_BATCH_BYTES bounds one request's tensors on both protocols: /v1 predict and /v2 infer
// refuse a batch whose inputs and outputs exceed it (413 naming the batch and the largest that fits),
// before anything runs, and take the largest batch that fits.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, identitySpec, identityWeights, type TestApp } from '../../../helpers/test-app.js';

// identitySpec: 2 inputs + 2 outputs of float32 = 16 bytes per instance; 1024 bytes fit 64 instances.
const LIMIT = 1024;
const FITTING = 64;

describe('PREDICT_MAX_BATCH_BYTES', () => {
  let t: TestApp;
  let modelId: string;
  beforeAll(async () => {
    t = await createTestApp({ PREDICT_MAX_BATCH_BYTES: String(LIMIT), PREDICT_MAX_INSTANCES: '1000' });
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'limit', spec: identitySpec } })).json().id;
    await t.deps.storage.checkpoints.create({ modelId, epoch: 1, weights: identityWeights(), tags: [] });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = (n: number) => Array.from({ length: n }, (_, i) => [i, -i]);
  const predict = (n: number) => t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances: rows(n) } });
  const infer = (n: number) =>
    t.app.inject({ method: 'POST', url: `/v2/models/${modelId}/infer`, payload: { inputs: [{ name: 'input', shape: [n, 2], datatype: 'FP32', data: rows(n).flat() }] } });

  it('/v1 predict: the largest batch that fits is answered; one more instance is 413 naming /instances', async () => {
    expect((await predict(FITTING)).statusCode).toBe(200);
    const res = await predict(FITTING + 1);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'BATCH_TOO_LARGE', details: [{ path: '/instances', message: `at most ${FITTING} instances for this model` }] });
  });

  it('/v2 infer: the same limit, in the protocol\'s error shape', async () => {
    expect((await infer(FITTING)).statusCode).toBe(200);
    const res = await infer(FITTING + 1);
    expect(res.statusCode).toBe(413);
    expect(Object.keys(res.json())).toEqual(['error']);
    expect(res.json().error).toContain('PREDICT_MAX_BATCH_BYTES');
  });
});
