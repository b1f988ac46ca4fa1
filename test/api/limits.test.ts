// Limits on what and how much a client may ask: rate limits on job submission and predict/evaluate
// (429 RATE_LIMITED + Retry-After, per API key or IP, 0 disables), the per-client cap on queued and
// running jobs (429 JOB_LIMIT), MAX_EPOCHS and the batch activation-memory cap at submission (422
// LIMIT_EXCEEDED naming the field, nothing stored or queued).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/index.js';
import { createTestApp, expectError, MISSING_ID, storedFiles, type TestApp } from '../helpers/test-app.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

async function seed(t: TestApp): Promise<{ modelId: string; datasetId: string }> {
  const data = separableData(32);
  const dataset = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } });
  const model = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny', spec: tinySpec } });
  return { modelId: model.json().id, datasetId: dataset.json().id };
}

const jobFiles = (t: TestApp) => storedFiles(t.dataDir, 'jobs').then((files) => files.filter((f) => f.endsWith('.json')));

describe('rate limits', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('limits job submissions per IP with 429 RATE_LIMITED and Retry-After; other IPs and routes are unaffected', async () => {
    t = await createTestApp({ RATE_LIMIT_JOBS_PER_MINUTE: '2' });
    const submit = (remoteAddress = '10.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/v1/jobs', remoteAddress, payload: { modelId: MISSING_ID, datasetId: MISSING_ID, epochs: 1 } });
    const first = await submit();
    expect(first.statusCode).toBe(404); // counted, then handled as usual
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    expect((await submit()).statusCode).toBe(404);
    const limited = await submit();
    expectError(limited.json(), 429, 'RATE_LIMITED', limited.statusCode);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json().error.requestId).toBe(limited.headers['x-request-id']);
    expect((await submit('10.0.0.2')).statusCode).toBe(404); // another client has its own budget
    // Reads and other writes are not limited.
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ method: 'GET', url: '/v1/jobs', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
  });

  it('limits predict and evaluate per route; keys by API key when keys are configured', async () => {
    t = await createTestApp({ RATE_LIMIT_PREDICT_PER_MINUTE: '1', API_KEYS: 'alpha,beta' });
    const call = (op: string, key: string) =>
      t.app.inject({
        method: 'POST', url: `/v1/models/${MISSING_ID}/${op}`, remoteAddress: '10.0.0.9',
        headers: { authorization: `Bearer ${key}` },
        payload: op === 'predict' ? { instances: [[0, 0]] } : { datasetId: MISSING_ID },
      });
    expect((await call('predict', 'alpha')).statusCode).toBe(404);
    const limited = await call('predict', 'alpha');
    expectError(limited.json(), 429, 'RATE_LIMITED', limited.statusCode);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await call('evaluate', 'alpha')).statusCode).toBe(404); // its own bucket
    expect((await call('predict', 'beta')).statusCode).toBe(404); // same IP, another key
    // A request that fails auth is refused before it counts against anyone.
    const anonymous = await t.app.inject({ method: 'POST', url: `/v1/models/${MISSING_ID}/predict`, payload: { instances: [[0, 0]] } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('0 disables a limit', async () => {
    t = await createTestApp({ RATE_LIMIT_PREDICT_PER_MINUTE: '0', RATE_LIMIT_JOBS_PER_MINUTE: '0' });
    for (let i = 0; i < 30; i++) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${MISSING_ID}/predict`, payload: { instances: [[0, 0]] } });
      expect(res.statusCode).toBe(404);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('limits at job submission', () => {
  let t: TestApp;
  let ids: { modelId: string; datasetId: string };
  const perSample = validateSpec(tinySpec).activationBytesPerSample;
  beforeAll(async () => {
    t = await createTestApp({ MAX_EPOCHS: '1000', JOB_MAX_ACTIVATION_BYTES: String(perSample * 10), MAX_ACTIVE_JOBS_PER_CLIENT: '1' });
    ids = await seed(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (body: Record<string, unknown>, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { ...ids, epochs: 1, batchSize: 1, ...body }, ...options });

  it('MAX_EPOCHS: 422 LIMIT_EXCEEDED naming /epochs, nothing stored', async () => {
    const before = await jobFiles(t);
    const res = await submit({ epochs: 1001 }, { remoteAddress: '10.1.0.1' });
    expectError(res.json(), 422, 'LIMIT_EXCEEDED', res.statusCode);
    expect(res.json().error.details).toEqual([{ path: '/epochs', message: 'at most 1000' }]);
    expect(res.json().error.message).toMatch(/MAX_EPOCHS/);
    expect(await jobFiles(t)).toEqual(before);
  });

  it("batchSize x the model's activation memory over JOB_MAX_ACTIVATION_BYTES: 422 LIMIT_EXCEEDED naming /batchSize, nothing stored", async () => {
    const before = await jobFiles(t);
    const res = await submit({ batchSize: 11 }, { remoteAddress: '10.1.0.2' });
    expectError(res.json(), 422, 'LIMIT_EXCEEDED', res.statusCode);
    expect(res.json().error.details).toEqual([{ path: '/batchSize', message: 'at most 10 for this model' }]);
    expect(await jobFiles(t)).toEqual(before);
    const fits = await submit({ batchSize: 10 }, { remoteAddress: '10.1.0.2' });
    expect(fits.statusCode).toBe(202);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${fits.json().id}/cancel` });
  });

  it('MAX_ACTIVE_JOBS_PER_CLIENT: 429 JOB_LIMIT with Retry-After while the client has that many queued or running', async () => {
    const client = { remoteAddress: '10.1.0.3' };
    const long = await submit({ epochs: 1000, batchSize: 1 }, { ...client, headers: { 'idempotency-key': 'long-one' } });
    expect(long.statusCode).toBe(202);
    expect(long.json()).not.toHaveProperty('clientKey'); // bookkeeping, never served
    const before = await jobFiles(t);
    const second = await submit({}, client);
    expectError(second.json(), 429, 'JOB_LIMIT', second.statusCode);
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await jobFiles(t)).toEqual(before);
    // A replay of the accepted request still gets its job back; another client is not affected.
    const replay = await submit({ epochs: 1000, batchSize: 1 }, { ...client, headers: { 'idempotency-key': 'long-one' } });
    expect(replay.statusCode).toBe(202);
    expect(replay.json().id).toBe(long.json().id);
    const other = await submit({}, { remoteAddress: '10.1.0.4' });
    expect(other.statusCode).toBe(202);
    // Parallel submissions cannot all slip under the cap.
    const parallel = await Promise.all([1, 2, 3].map(() => submit({}, { remoteAddress: '10.1.0.5' })));
    expect(parallel.map((r) => r.statusCode).sort()).toEqual([202, 429, 429]);
    // Once the job ends, the client may submit again. (A running job ends after the 202, at its next batch.)
    expect((await t.app.inject({ method: 'POST', url: `/v1/jobs/${long.json().id}/cancel` })).statusCode).toBe(202);
    const ended = await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${long.json().id}` })).json(), (j) => j.state === 'cancelled');
    expect(ended.state).toBe('cancelled');
    const after = await submit({}, client);
    expect(after.statusCode).toBe(202);
    for (const res of [after, other, ...parallel.filter((r) => r.statusCode === 202)]) {
      await t.app.inject({ method: 'POST', url: `/v1/jobs/${res.json().id}/cancel` });
    }
  });
});
