// Issue 10, finding 5: Idempotency-Key is scoped per client (API key). Another client's key is its
// own; the same client reusing a key with another body gets 409 IDEMPOTENCY_KEY_REUSED; an identical
// replay returns the same job. Run against both queues: embedded, and BullMQ on the real Redis.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, TEST_REDIS_URL } from '../../helpers/redis.js';
import { createTestApp, expectError, storedFiles, type TestApp } from '../../helpers/test-app.js';
import { separableData, tinySpec } from '../../helpers/training-fixtures.js';

const modes: [string, () => Record<string, string>][] = [
  ['embedded', () => ({})],
  ['distributed (Redis)', () => ({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `idem-${randomUUID()}`, QUEUE_NAME: `q-${randomUUID()}` })],
];

describe.each(modes)('Idempotency-Key per client, %s', (_mode, extraEnv) => {
  let t: TestApp;
  let env: Record<string, string>;
  let modelId: string;
  let datasetId: string;
  const as = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
  beforeAll(async () => {
    env = { API_KEYS: 'k1,k2', ALLOW_ANONYMOUS: 'false', ...extraEnv() };
    t = await createTestApp(env);
    const data = separableData(16);
    datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', headers: as('k1'), payload: { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList } })).json().id;
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', headers: as('k1'), payload: { name: 'tiny', spec: tinySpec } })).json().id;
  });
  afterAll(async () => {
    await t.close();
    if (env.QUEUE_PREFIX) await deleteKeys(TEST_REDIS_URL, env.QUEUE_PREFIX);
  });

  const submit = (apiKey: string, idempotencyKey: string, epochs: number) =>
    t.app.inject({ method: 'POST', url: '/v1/jobs', headers: as(apiKey, { 'idempotency-key': idempotencyKey }), payload: { modelId, datasetId, epochs } });
  const jobCount = async () => (await storedFiles(t.dataDir, 'jobs')).filter((f) => f.endsWith('.json')).length;

  it('another client using the same key gets its own job', async () => {
    const first = await submit('k1', 'shared-key', 1);
    const other = await submit('k2', 'shared-key', 2);
    expect(first.statusCode).toBe(202);
    expect(other.statusCode).toBe(202);
    expect(other.json().id).not.toBe(first.json().id);
    expect(other.json().config.epochs).toBe(2);
  });

  it('an identical replay returns the same job; the same key with another body is 409 IDEMPOTENCY_KEY_REUSED, nothing stored', async () => {
    const first = await submit('k1', 'mine', 1);
    const replay = await submit('k1', 'mine', 1);
    expect(replay.statusCode).toBe(202);
    expect(replay.json().id).toBe(first.json().id);
    const before = await jobCount();
    const changed = await submit('k1', 'mine', 3);
    expectError(changed.json(), 409, 'IDEMPOTENCY_KEY_REUSED', changed.statusCode);
    expect(changed.json().error.details[0].path).toBe('/headers/idempotency-key');
    expect(await jobCount()).toBe(before);
  });
});
