// /v1/models: create with the engine's summary, 400 for envelope errors, 422 SPEC_INVALID and
// LIMIT_EXCEEDED with /spec paths (nothing stored), get, list, delete with 409 MODEL_IN_USE.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, storedFiles, type TestApp } from '../helpers/test-app.js';

const cnn = {
  input: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

describe('models routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MAX_MODEL_PARAMS: '5000' });
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/models', payload: payload as object });

  /** Sends `payload`, expects the error, and that no model file appeared. */
  async function expectRejected(payload: unknown, status: number, code: string) {
    const before = await storedFiles(t.dataDir, 'models');
    const res = await create(payload);
    expectError(res.json(), status, code, res.statusCode);
    expect(await storedFiles(t.dataDir, 'models')).toEqual(before);
    return res.json().error;
  }

  it('creates a model: 201 with normalized spec and summary', async () => {
    const res = await create({ name: 'digits-cnn', spec: cnn });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.name).toBe('digits-cnn');
    expect(body.summary.layers.map((l: { outputShape: number[] }) => l.outputShape)).toEqual([[8, 8, 4], [4, 4, 4], [64], [10]]);
    expect(body.summary.totalParams).toBe(4 * 9 + 4 + 64 * 10 + 10);
    // conv 8·8 positions x 4 filters x (2·9 + 1), pool 4·4·4 x 4, dense 64·10 x 2 + 10 (test/engine/spec.test.ts)
    expect(body.summary.flopsPerSample).toBe(64 * 4 * 19 + 64 * 4 + 1290);
    // Normalized: the engine's defaults written out.
    expect(body.spec.layers[0]).toMatchObject({ strides: 1, useBias: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros' });
    expect(body.spec.layers[1]).toMatchObject({ strides: 2, padding: 'valid' });
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${body.id}` })).json()).toEqual(body);
  });

  it('400 VALIDATION_ERROR for envelope errors, naming the field', async () => {
    expect((await expectRejected({ spec: cnn }, 400, 'VALIDATION_ERROR')).details[0].path).toBe('/name');
    expect((await expectRejected({ name: 'x', spec: [1, 2] }, 400, 'VALIDATION_ERROR')).details[0].path).toBe('/spec');
  });

  it('422 SPEC_INVALID from shape inference, with the /spec path', async () => {
    const bad = { ...cnn, input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernelSize: 5 }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }] };
    const error = await expectRejected({ name: 'bad', spec: bad }, 422, 'SPEC_INVALID');
    expect(error.details[0].path).toMatch(/^\/spec\/layers\/0/);
    const loss = await expectRejected({ name: 'bad', spec: { ...identitySpec, loss: 'binaryCrossentropy' } }, 422, 'SPEC_INVALID');
    expect(loss.details[0].path).toMatch(/^\/spec/);
    await expectRejected({ name: 'bad', spec: { ...identitySpec, layers: [{ type: 'nope' }] } }, 422, 'SPEC_INVALID');
  });

  it('422 LIMIT_EXCEEDED over MAX_MODEL_PARAMS', async () => {
    const huge = { input: [100], layers: [{ type: 'dense', units: 100, activation: 'softmax' }], loss: 'categoricalCrossentropy' };
    await expectRejected({ name: 'huge', spec: huge }, 422, 'LIMIT_EXCEEDED');
  });

  it('lists models newest first and 404s unknown ids', async () => {
    const older = (await create({ name: 'older', spec: identitySpec })).json().id;
    const newer = (await create({ name: 'newer', spec: identitySpec })).json().id;
    const list = await t.app.inject({ method: 'GET', url: '/v1/models?limit=1' });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((m: { id: string }) => m.id)).toEqual([newer]);
    const next = await t.app.inject({ method: 'GET', url: `/v1/models?limit=1&cursor=${list.json().nextCursor}` });
    expect(next.json().items.map((m: { id: string }) => m.id)).toEqual([older]);
    for (const id of ['x', MISSING_ID]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/models/${id}` });
      expectError(res.json(), 404, 'MODEL_NOT_FOUND', res.statusCode);
    }
  });

  it('deletes a model with its checkpoints, but not while a job trains it', async () => {
    const model = (await create({ name: 'to-delete', spec: identitySpec })).json();
    const checkpoint = await t.deps.storage.checkpoints.create({ modelId: model.id, epoch: 1, weights: identityWeights() });
    const { job } = await t.deps.jobs.create({ modelId: model.id, datasetId: MISSING_ID, config: { validationDatasetId: null } as never });
    const busy = await t.app.inject({ method: 'DELETE', url: `/v1/models/${model.id}` });
    expectError(busy.json(), 409, 'MODEL_IN_USE', busy.statusCode);
    await t.deps.jobs.update(job.id, (j) => ({ ...j, state: 'failed' }));
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/models/${model.id}` })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${model.id}` })).statusCode).toBe(404);
    await expect(t.deps.storage.checkpoints.get(checkpoint.id)).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/models/${model.id}` });
    expectError(again.json(), 404, 'MODEL_NOT_FOUND', again.statusCode);
  });
});
