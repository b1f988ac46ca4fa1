// Labels: PUT/GET/DELETE /v1/models/:id/labels/:label per API.md, and a label as the checkpoint
// selector of predict, evaluate and both downloads (weights, ONNX); invalid labels are 400 naming
// /params/label, unknown models, checkpoints and labels 404, and a model's labels go with it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, type TestApp } from '../helpers/test-app.js';

describe('labels', () => {
  let t: TestApp;
  let datasetId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const dataset = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      payload: { name: 'lb', inputShape: [2], inputs: [[5, 0], [0, 5]], labels: [0, 1] },
    });
    datasetId = dataset.json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const put = (modelId: string, label: string, payload: unknown) =>
    t.app.inject({ method: 'PUT', url: `/v1/models/${modelId}/labels/${label}`, payload: payload as object });
  const predict = (modelId: string, checkpoint: string) =>
    t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances: [[5, 0]], checkpoint } });
  /** A model with two checkpoints: `old` (identity: class 0 for [5, 0]) and the newer `flipped` (class 1). */
  const modelWithTwo = async () => {
    const modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'l', spec: identitySpec } })).json().id as string;
    const old = await t.deps.storage.checkpoints.create({ modelId, datasetId, epoch: 1, weights: identityWeights() });
    const flipped = await t.deps.storage.checkpoints.create({ modelId, datasetId, epoch: 2, weights: identityWeights(-1) });
    return { modelId, old, flipped };
  };

  it('PUT answers the label; GET lists and reads it; PUT moves it; DELETE removes it (204)', async () => {
    const { modelId, old, flipped } = await modelWithTwo();
    const res = await put(modelId, 'production', { checkpointId: old.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ label: 'production', checkpointId: old.id, updatedAt: expect.any(String) });
    await put(modelId, 'canary-2', { checkpointId: flipped.id });
    const list = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/labels` });
    expect(list.json().items.map((l: { label: string; checkpointId: string }) => [l.label, l.checkpointId])).toEqual([
      ['canary-2', flipped.id],
      ['production', old.id],
    ]);
    expect(list.json().nextCursor).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/labels/production` })).json().checkpointId).toBe(old.id);
    await put(modelId, 'production', { checkpointId: flipped.id });
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/labels/production` })).json().checkpointId).toBe(flipped.id);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/models/${modelId}/labels/production` });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/labels/production` });
    expectError(gone.json(), 404, 'LABEL_NOT_FOUND', gone.statusCode);
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/models/${modelId}/labels/production` });
    expectError(again.json(), 404, 'LABEL_NOT_FOUND', again.statusCode);
  });

  it('a label selects its checkpoint in predict, evaluate, /weights and model.onnx, and follows a move at once', async () => {
    const { modelId, old, flipped } = await modelWithTwo();
    await put(modelId, 'stable', { checkpointId: old.id });
    expect((await predict(modelId, 'latest')).json()).toMatchObject({ checkpoint: flipped.id, classes: [1] });
    expect((await predict(modelId, 'stable')).json()).toMatchObject({ checkpoint: old.id, classes: [0] });
    const ev = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/evaluate`, payload: { datasetId, checkpoint: 'stable' } });
    expect(ev.json()).toMatchObject({ checkpoint: old.id, accuracy: 1 });
    const weights = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/stable/weights` });
    expect(weights.statusCode).toBe(200);
    expect(weights.headers.etag).toBe(`"${old.weightsSha256}"`);
    const onnx = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/stable/model.onnx` });
    expect(onnx.statusCode).toBe(200);
    expect(onnx.headers['content-disposition']).toContain(`${old.id}.onnx`);
    await put(modelId, 'stable', { checkpointId: flipped.id });
    expect((await predict(modelId, 'stable')).json()).toMatchObject({ checkpoint: flipped.id, classes: [1] });
    await t.app.inject({ method: 'DELETE', url: `/v1/models/${modelId}/labels/stable` });
    const unknown = await predict(modelId, 'stable');
    expectError(unknown.json(), 404, 'CHECKPOINT_NOT_FOUND', unknown.statusCode);
  });

  it('400 naming /params/label for a malformed or reserved label; 400 naming /checkpointId; nothing stored', async () => {
    const { modelId, old } = await modelWithTwo();
    for (const label of ['Production', '9lives', 'a_b', 'x'.repeat(33), 'latest', 'best']) {
      const res = await put(modelId, label, { checkpointId: old.id });
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
      expect(res.json().error.details[0].path).toBe('/params/label');
    }
    const noBody = await put(modelId, 'ok', {});
    expectError(noBody.json(), 400, 'VALIDATION_ERROR', noBody.statusCode);
    expect(noBody.json().error.details[0].path).toBe('/checkpointId');
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/labels` })).json().items).toEqual([]);
  });

  it('404 for an unknown model, or a checkpoint that is not this model\'s', async () => {
    const { modelId, old } = await modelWithTwo();
    const other = await modelWithTwo();
    const noModel = await put(MISSING_ID, 'prod', { checkpointId: old.id });
    expectError(noModel.json(), 404, 'MODEL_NOT_FOUND', noModel.statusCode);
    const foreign = await put(modelId, 'prod', { checkpointId: other.old.id });
    expectError(foreign.json(), 404, 'CHECKPOINT_NOT_FOUND', foreign.statusCode);
    const missing = await put(modelId, 'prod', { checkpointId: MISSING_ID });
    expectError(missing.json(), 404, 'CHECKPOINT_NOT_FOUND', missing.statusCode);
    const list = await t.app.inject({ method: 'GET', url: `/v1/models/${MISSING_ID}/labels` });
    expectError(list.json(), 404, 'MODEL_NOT_FOUND', list.statusCode);
  });

  it('deleting the model deletes its labels', async () => {
    const { modelId, old } = await modelWithTwo();
    await put(modelId, 'prod', { checkpointId: old.id });
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/models/${modelId}` })).statusCode).toBe(204);
    expect(await t.deps.storage.labels.all(modelId)).toEqual([]);
    const res = await predict(modelId, 'prod');
    expectError(res.json(), 404, 'MODEL_NOT_FOUND', res.statusCode);
  });
});
