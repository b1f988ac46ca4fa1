// MNIST-sized upload (60000 x 28 x 28 x 1 float32 = 188 MB as NPY) through the default dataset body
// limit, then an evaluate over all of it: the sizes the service promises to take.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/engine/index.js';
import { multipart, npy } from '../helpers/npy.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const COUNT = 60_000;
const spec = { input: [28, 28, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }], loss: 'categoricalCrossentropy' };

describe('MNIST-sized datasets', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('uploads 60000 float32 28x28 images as NPY and evaluates a model on them', async () => {
    const images = new Float32Array(COUNT * 784).map((_, i) => (i % 255) / 255);
    const labels = Int32Array.from({ length: COUNT }, (_, i) => i % 10);
    const form = multipart({ name: 'mnist-sized', inputs: npy('<f4', [COUNT, 28, 28, 1], images), labels: npy('<i4', [COUNT], labels) });
    const started = performance.now();
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: form.body, headers: { 'content-type': form.contentType } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(res.json()).toMatchObject({ count: COUNT, inputShape: [28, 28, 1], numClasses: 10 });
    console.log(`upload of ${(form.body.length / 1e6).toFixed(0)} MB: ${(performance.now() - started).toFixed(0)} ms`);

    const model = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'linear', spec } })).json();
    await t.deps.storage.checkpoints.create({ modelId: model.id, epoch: 0, weights: Model.build(spec, { seed: 1 }).exportWeights() });
    const evaluation = await t.app.inject({ method: 'POST', url: `/v1/models/${model.id}/evaluate`, payload: { datasetId: res.json().id } });
    expect(evaluation.statusCode).toBe(200);
    expect(evaluation.json().count).toBe(COUNT);
    expect(evaluation.json().confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(COUNT);
  });
});
