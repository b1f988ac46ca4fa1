// predict and evaluate: known outputs from fixed weights, classes and classNames, checkpoint
// selection (latest, best, id), a corrupt latest skipped (logged in metrics), and every error status.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, type TestApp } from '../helpers/test-app.js';

describe('predict and evaluate routes', () => {
  let t: TestApp;
  let datasetId: string;
  beforeAll(async () => {
    t = await createTestApp({ PREDICT_MAX_INSTANCES: '8' });
    const dataset = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      payload: { name: 'pm', inputShape: [2], inputs: [[5, 0], [0, 5], [4, 1], [1, 4]], labels: [0, 1, 1, 1], classNames: ['left', 'right'] },
    });
    datasetId = dataset.json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const predict = (id: string, payload: unknown) => t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: payload as object });
  const evaluate = (id: string, payload: unknown) => t.app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: payload as object });
  // Each test has its own model, so none depends on the checkpoints another one made.
  const newModel = async () => (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'id', spec: identitySpec } })).json().id as string;
  /** A model whose one checkpoint (tagged best, trained on the dataset) has identity weights: softmax(x). */
  const trainedModel = async () => {
    const modelId = await newModel();
    const best = await t.deps.storage.checkpoints.create({ modelId, datasetId, epoch: 1, weights: identityWeights(), tags: ['best'] });
    return { modelId, best };
  };

  it('409 MODEL_NOT_TRAINED before any checkpoint exists', async () => {
    const modelId = await newModel();
    const res = await predict(modelId, { instances: [[1, 2]] });
    expectError(res.json(), 409, 'MODEL_NOT_TRAINED', res.statusCode);
    const ev = await evaluate(modelId, { datasetId });
    expectError(ev.json(), 409, 'MODEL_NOT_TRAINED', ev.statusCode);
  });

  it('predicts softmax outputs with argmax classes and the training class names', async () => {
    const { modelId, best: ckpt } = await trainedModel();
    const res = await predict(modelId, { instances: [[5, 0], [0, 5]] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.checkpoint).toBe(ckpt.id);
    expect(body.classes).toEqual([0, 1]);
    expect(body.classNames).toEqual(['left', 'right']);
    const expected = 1 / (1 + Math.exp(-5));
    expect(body.predictions[0][0]).toBeCloseTo(expected, 5);
    expect(body.predictions[1][1]).toBeCloseTo(expected, 5);
  });

  it('picks latest by default, best or an explicit id on request', async () => {
    const { modelId, best } = await trainedModel();
    const newer = await t.deps.storage.checkpoints.create({ modelId, datasetId, epoch: 2, weights: identityWeights(-1) });
    expect((await predict(modelId, { instances: [[5, 0]] })).json()).toMatchObject({ checkpoint: newer.id, classes: [1] });
    expect((await predict(modelId, { instances: [[5, 0]], checkpoint: 'best' })).json()).toMatchObject({ checkpoint: best.id, classes: [0] });
    expect((await predict(modelId, { instances: [[5, 0]], checkpoint: best.id })).json()).toMatchObject({ checkpoint: best.id, classes: [0] });
  });

  it('skips a corrupt latest for the newest valid checkpoint and counts it', async () => {
    const { modelId, best: valid } = await trainedModel();
    const skipped = async () => {
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(/checkpoint_corrupt_skipped_total\{reason="sha256_mismatch"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    const before = await skipped();
    const latest = await t.deps.storage.checkpoints.create({ modelId, datasetId, epoch: 3, weights: identityWeights(2) });
    await writeFile(join(t.dataDir, 'checkpoints', modelId, `${latest.id}.safetensors`), 'corrupt');
    const res = await predict(modelId, { instances: [[5, 0]] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ checkpoint: valid.id, classes: [0] });
    expect(await skipped()).toBeGreaterThan(before);
    const explicit = await predict(modelId, { instances: [[5, 0]], checkpoint: latest.id });
    expectError(explicit.json(), 409, 'CHECKPOINT_CORRUPT', explicit.statusCode);
  });

  it('accepts nested rows for a multi-dimensional input and flat rows alike', async () => {
    const spec = { input: [1, 2, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };
    const id = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'img', spec } })).json().id;
    const { encodeSafetensors } = await import('../../src/engine/index.js');
    await t.deps.storage.checkpoints.create({
      modelId: id,
      epoch: 1,
      weights: encodeSafetensors([
        ['layers.1.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) }],
        ['layers.1.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) }],
      ]),
    });
    const res = await predict(id, { instances: [[[[0], [3]]], [3, 0]] });
    expect(res.statusCode).toBe(200);
    expect(res.json().classes).toEqual([1, 0]);
    expect(res.json().classNames).toBeNull();
  });

  it('400 naming the bad instance; 413 over the batch limit; 404s', async () => {
    const { modelId } = await trainedModel();
    const bad = await predict(modelId, { instances: [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 'x']] });
    expectError(bad.json(), 400, 'VALIDATION_ERROR', bad.statusCode);
    expect(bad.json().error.details[0].path).toBe('/instances/7/1');
    const short = await predict(modelId, { instances: [[1]] });
    expect(short.json().error.details[0].path).toBe('/instances/0');
    const none = await predict(modelId, { instances: [] });
    expectError(none.json(), 400, 'VALIDATION_ERROR', none.statusCode);
    expect(none.json().error.details[0].path).toBe('/instances');
    const tooMany = await predict(modelId, { instances: Array.from({ length: 9 }, () => [0, 0]) });
    expectError(tooMany.json(), 413, 'BATCH_TOO_LARGE', tooMany.statusCode);
    const unknownModel = await predict(MISSING_ID, { instances: [[1, 2]] });
    expectError(unknownModel.json(), 404, 'MODEL_NOT_FOUND', unknownModel.statusCode);
    for (const checkpoint of ['nope', MISSING_ID]) {
      const res = await predict(modelId, { instances: [[1, 2]], checkpoint });
      expectError(res.json(), 404, 'CHECKPOINT_NOT_FOUND', res.statusCode);
    }
  });

  it('answers the same whether the body reader packs the body or the general JSON parser reads it', async () => {
    const { modelId } = await trainedModel();
    const post = (body: string) => t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers: { 'content-type': 'application/json' }, payload: body });
    const rows = '[[0.1, -2.5e-3], [123456789.123456789, 1E-7], [-0, 3]]';
    const packed = await post(`{"instances": ${rows}, "checkpoint": "latest"}`);
    // An escape is outside the reader's grammar: this body goes through JSON.parse and packRows.
    const general = await post(`{"instances": ${rows}, "checkpoint": "l\\u0061test"}`);
    expect(packed.statusCode).toBe(200);
    expect(general.body).toBe(packed.body);
    // Rows that do not fit the model are refused alike, naming the row.
    const misfit = await post('{"instances": [[1, 2], [1, 2, 3]]}');
    const misfitPacked = await post('{"instances": [[1, 2, 3]]}');
    expectError(misfit.json(), 400, 'VALIDATION_ERROR', misfit.statusCode);
    expect(misfit.json().error.details).toEqual([{ path: '/instances/1', message: 'expected 2 numbers (flat row of shape [2]), received 3 numbers' }]);
    expect(misfitPacked.json().error.details).toEqual([{ path: '/instances/0', message: 'expected 2 numbers (flat row of shape [2]), received 3 numbers' }]);
  });

  it('evaluates loss, accuracy and the confusion matrix of a checkpoint', async () => {
    const { modelId } = await trainedModel();
    const res = await evaluate(modelId, { datasetId, checkpoint: 'best' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ count: 4, datasetId, accuracy: 0.75, confusionMatrix: [[1, 0], [1, 2]], classNames: ['left', 'right'] });
    // softmax(x) of identity weights: the mean cross-entropy of the four rows, worked out here.
    const nll = (x: [number, number], label: number) => Math.log(Math.exp(x[0]) + Math.exp(x[1])) - x[label];
    expect(body.loss).toBeCloseTo((nll([5, 0], 0) + nll([0, 5], 1) + nll([4, 1], 1) + nll([1, 4], 1)) / 4, 5);
  });

  it('evaluate: 404 for an unknown dataset, 422 SHAPE_MISMATCH for one that does not fit, 400 without datasetId', async () => {
    const { modelId } = await trainedModel();
    const missing = await evaluate(modelId, { datasetId: MISSING_ID });
    expectError(missing.json(), 404, 'DATASET_NOT_FOUND', missing.statusCode);
    const wide = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'w', inputShape: [3], inputs: [[1, 2, 3]], labels: [0] } });
    const mismatch = await evaluate(modelId, { datasetId: wide.json().id });
    expectError(mismatch.json(), 422, 'SHAPE_MISMATCH', mismatch.statusCode);
    const noId = await evaluate(modelId, {});
    expectError(noId.json(), 400, 'VALIDATION_ERROR', noId.statusCode);
    expect(noId.json().error.details[0].path).toBe('/datasetId');
  });

  it('evaluate: 409 DATASET_CORRUPT when the stored dataset fails its sha256 check', async () => {
    const { modelId } = await trainedModel();
    const copy = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'c', inputShape: [2], inputs: [[1, 0]], labels: [0] } });
    await writeFile(join(t.dataDir, 'datasets', `${copy.json().id}.bin`), Buffer.alloc(12));
    const res = await evaluate(modelId, { datasetId: copy.json().id, checkpoint: 'best' });
    expectError(res.json(), 409, 'DATASET_CORRUPT', res.statusCode);
  });
});
