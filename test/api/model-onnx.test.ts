// GET /v1/models/:id/checkpoints/:checkpointId/model.onnx (and the selectors `/weights` now takes
// too): the file runs in onnxruntime and answers what predict answers for the same checkpoint;
// `latest`, `best` and ids resolve as predict resolves them; 404s, 409s and auth.

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, type TestApp } from '../helpers/test-app.js';
import { expectClose, onnxSession, randomWeights, runOnnx, uniformFloats } from '../helpers/onnx-runtime.js';

const { onnx } = onnxProto;

const cnnSpec = {
  input: [6, 6, 1],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'avgPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 4, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};
const COUNT = 5;
const instances = Array.from({ length: COUNT }, (_, i) => [...uniformFloats(36, 50 + i, 0, 1)]);

/** The checkpoint id an exported file names in its metadata. */
function exportedCheckpoint(bytes: Uint8Array): string | undefined {
  return onnx.ModelProto.decode(bytes).metadataProps.find((p) => p.key === 'checkpointId')?.value ?? undefined;
}

describe('GET /v1/models/:id/checkpoints/:checkpointId/model.onnx', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const createModel = async (spec: unknown = cnnSpec) => (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'onnx', spec } })).json().id as string;
  const upload = async (modelId: string, weights: Uint8Array) =>
    (await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/checkpoints`, payload: Buffer.from(weights), headers: { 'content-type': 'application/octet-stream' } })).json() as { id: string; weightsSha256: string };
  const download = (modelId: string, selector: string, file = 'model.onnx') => t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${selector}/${file}` });
  const predict = async (modelId: string, checkpoint: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances, checkpoint } });
    expect(res.statusCode).toBe(200);
    return res.json() as { predictions: number[][]; checkpoint: string };
  };
  /** Runs the served file on `instances` and checks it against predict with the same selector. */
  const expectSameAsPredict = async (modelId: string, selector: string) => {
    const res = await download(modelId, selector);
    expect(res.statusCode).toBe(200);
    const bytes = new Uint8Array(res.rawPayload);
    const session = await onnxSession(bytes);
    const { data, dims } = await runOnnx(session, Float32Array.from(instances.flat()), COUNT, cnnSpec.input);
    const answer = await predict(modelId, selector);
    expect(dims).toEqual([COUNT, 4]);
    expectClose(data, answer.predictions.flat(), `${selector} vs predict`);
    expect(exportedCheckpoint(bytes)).toBe(answer.checkpoint);
    return { res, data, checkpoint: answer.checkpoint };
  };

  it('serves an id\'s and `latest`\'s file; onnxruntime gives what predict gives', async () => {
    const modelId = await createModel();
    const older = await upload(modelId, randomWeights(cnnSpec, 1));
    const newer = await upload(modelId, randomWeights(cnnSpec, 2));
    const byId = await expectSameAsPredict(modelId, older.id);
    expect(byId.checkpoint).toBe(older.id);
    expect(byId.res.headers['content-type']).toBe('application/octet-stream');
    expect(byId.res.headers['content-disposition']).toBe(`attachment; filename="${older.id}.onnx"`);
    const latest = await expectSameAsPredict(modelId, 'latest');
    expect(latest.checkpoint).toBe(newer.id);
    // Different weights, different outputs: the selector really picked a checkpoint.
    expect(Math.max(...latest.data.map((v, i) => Math.abs(v - byId.data[i])))).toBeGreaterThan(1e-3);
  });

  it('`best` is the tagged checkpoint, else the newest valid one; /weights takes the same selectors', async () => {
    const modelId = await createModel();
    const older = await upload(modelId, randomWeights(cnnSpec, 3));
    const newer = await upload(modelId, randomWeights(cnnSpec, 4));
    expect((await expectSameAsPredict(modelId, 'best')).checkpoint).toBe(newer.id);
    await t.deps.storage.checkpoints.addTag(older.id, 'best');
    expect((await expectSameAsPredict(modelId, 'best')).checkpoint).toBe(older.id);
    for (const [selector, record] of [['best', older], ['latest', newer], [older.id, older]] as const) {
      const res = await download(modelId, selector, 'weights');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${record.id}.safetensors"`);
      expect(createHash('sha256').update(res.rawPayload).digest('hex')).toBe(record.weightsSha256);
    }
  });

  it('409 MODEL_NOT_TRAINED for `latest` and `best` of a model without checkpoints', async () => {
    const modelId = await createModel();
    for (const selector of ['latest', 'best']) {
      for (const file of ['model.onnx', 'weights']) {
        const res = await download(modelId, selector, file);
        expectError(res.json(), 409, 'MODEL_NOT_TRAINED', res.statusCode);
      }
    }
  });

  it('404 for an unknown model, and for malformed, unknown or another model\'s checkpoint ids', async () => {
    const modelId = await createModel(identitySpec);
    await upload(modelId, identityWeights());
    const other = await createModel(identitySpec);
    const theirs = await upload(other, identityWeights(2));
    const missingModel = await download(MISSING_ID, 'latest');
    expectError(missingModel.json(), 404, 'MODEL_NOT_FOUND', missingModel.statusCode);
    for (const id of ['zzz', 'BEST', MISSING_ID, theirs.id]) {
      const res = await download(modelId, id);
      expectError(res.json(), 404, 'CHECKPOINT_NOT_FOUND', res.statusCode);
    }
  });

  it('409 CHECKPOINT_CORRUPT for a corrupt checkpoint named by id; a corrupt `latest` is skipped for the newest valid one', async () => {
    const modelId = await createModel();
    const valid = await upload(modelId, randomWeights(cnnSpec, 5));
    const corrupt = await upload(modelId, randomWeights(cnnSpec, 6));
    await writeFile(join(t.dataDir, 'checkpoints', modelId, `${corrupt.id}.safetensors`), 'tampered');
    const byId = await download(modelId, corrupt.id);
    expectError(byId.json(), 409, 'CHECKPOINT_CORRUPT', byId.statusCode);
    expect((await expectSameAsPredict(modelId, 'latest')).checkpoint).toBe(valid.id);
  });
});

describe('model.onnx with API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'k1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('401 without a key (WWW-Authenticate: Bearer), 200 with one', async () => {
    const auth = { authorization: 'Bearer k1' };
    const modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', headers: auth, payload: { name: 'm', spec: identitySpec } })).json().id;
    await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/checkpoints`, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from(identityWeights()) });
    const url = `/v1/models/${modelId}/checkpoints/latest/model.onnx`;
    const anonymous = await t.app.inject({ method: 'GET', url });
    expectError(anonymous.json(), 401, 'UNAUTHORIZED', anonymous.statusCode);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await t.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const ok = await t.app.inject({ method: 'GET', url, headers: auth });
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.length).toBeGreaterThan(0);
  });
});
