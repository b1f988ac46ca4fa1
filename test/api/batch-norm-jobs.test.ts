// normalize and batchNorm through the whole service (HTTP, queue, training thread, checkpoints,
// predict thread): a new job takes normalize's statistics from its training split; a job resumed
// from its checkpoint keeps them and continues batchNorm's counter; the model summary counts γ and β
// but no buffers; predict uses the running statistics (what the engine gives for the same weights).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, Model } from '../../src/engine/index.js';
import { prepareData, splitValidation } from '../../src/engine/training-data.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { separableData, waitFor } from '../helpers/training-fixtures.js';

const SPEC = {
  input: [2],
  layers: [
    { type: 'normalize' },
    { type: 'dense', units: 8, useBias: false },
    { type: 'batchNorm', momentum: 0.2 },
    { type: 'activation', activation: 'tanh' },
    { type: 'dense', units: 2, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

/** The separable points, moved far from 0 and stretched: what normalize is for. */
function dataset(shift: number) {
  const data = separableData(64, 3);
  return { rows: data.rows.map(([x, y]) => [x * 20 + shift, y * 5 - shift]), labels: data.labelList };
}

describe('normalize and batchNorm through the service', () => {
  let t: TestApp;
  let modelId: string;
  const near = dataset(100);
  const far = dataset(300);
  const datasetIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    for (const [name, d] of Object.entries({ near, far })) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name, inputShape: [2], inputs: d.rows, labels: d.labels } });
      datasetIds[name] = res.json().id;
    }
    const model = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'bn', spec: SPEC } });
    expect(model.statusCode).toBe(201);
    modelId = model.json().id;
    // γ and β are parameters; running statistics, the counter and normalize's statistics are not.
    expect(model.json().summary.layers.map((l: { params: number }) => l.params)).toEqual([0, 16, 16, 0, 18]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const getJob = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
  async function train(body: Record<string, unknown>) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId, batchSize: 16, seed: 5, ...body } });
    expect(res.statusCode).toBe(202);
    const done = await waitFor(() => getJob(res.json().id), (j) => j.state === 'succeeded' || j.state === 'failed', 60_000);
    expect(done.state).toBe('succeeded');
    const checkpointId = done.checkpointIds.at(-1) as string;
    const weights = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${checkpointId}/weights` });
    expect(weights.statusCode).toBe(200);
    return { checkpointId, bytes: new Uint8Array(weights.rawPayload), tensors: decodeSafetensors(new Uint8Array(weights.rawPayload)).tensors };
  }

  it('trains, checkpoints, resumes with frozen statistics and a continuing counter, and predicts with the running statistics', async () => {
    const first = await train({ datasetId: datasetIds.near, epochs: 3, validationSplit: 0.25 });
    // normalize: the population statistics of the 48 training samples (the job's seeded split).
    const inputs = Float32Array.from(near.rows.flat());
    const [trainSplit] = splitValidation(prepareData(Model.build(SPEC), { inputs, labels: Int32Array.from(near.labels), count: 64 }), 0.25, 5);
    const mean = [0, 1].map((f) => trainSplit.inputs.filter((_, i) => i % 2 === f).reduce((a, b) => a + b, 0) / 48);
    const saved = first.tensors.get('layers.0.mean')!.data;
    mean.forEach((m, f) => expect(saved[f]).toBeCloseTo(m, 4));
    // 48 samples in batches of 16: 3 batches per epoch.
    expect([...first.tensors.get('layers.2.num_batches_tracked')!.data]).toEqual([9]);
    expect(first.tensors.get('layers.2.num_batches_tracked')!.dtype).toBe('I64');

    const resumed = await train({ datasetId: datasetIds.far, epochs: 1, resumeFrom: first.checkpointId });
    expect([...resumed.tensors.get('layers.0.mean')!.data]).toEqual([...saved]);
    expect([...resumed.tensors.get('layers.0.variance')!.data]).toEqual([...first.tensors.get('layers.0.variance')!.data]);
    expect([...resumed.tensors.get('layers.2.num_batches_tracked')!.data]).toEqual([13]);
    expect([...resumed.tensors.get('layers.2.running_mean')!.data]).not.toEqual([...first.tensors.get('layers.2.running_mean')!.data]);

    const instances = near.rows.slice(0, 5);
    const predicted = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances, checkpoint: first.checkpointId } });
    expect(predicted.statusCode).toBe(200);
    const expected = Model.fromWeights(SPEC, first.bytes).predict(Float32Array.from(instances.flat()), 5);
    (predicted.json().predictions as number[][]).flat().forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
  });

  it('refuses normalize after the first layer with a 4xx naming the layer, and stores nothing', async () => {
    const spec = { ...SPEC, layers: [SPEC.layers[1], SPEC.layers[0], ...SPEC.layers.slice(2)] };
    const res = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'bad', spec } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(JSON.stringify(res.json())).toContain('/spec/layers/1');
    const list = await t.app.inject({ method: 'GET', url: '/v1/models' });
    expect(JSON.stringify(list.json())).not.toContain('"bad"');
  });
});
