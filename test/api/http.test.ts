// The same routes over real HTTP with supertest (app.server, no inject): multipart uploads, binary
// bodies and downloads, headers and status codes as a client on the wire sees them.

import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, type TestApp } from '../helpers/test-app.js';
import { npy } from '../helpers/npy.js';

const AUTH = { Authorization: 'Bearer http-test-key' };

describe('routes over HTTP (supertest)', () => {
  let t: TestApp;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'http-test-key' });
    http = request(t.app.server);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs the dataset -> model -> weights -> predict -> evaluate flow', async () => {
    const csv = await http.post('/v1/datasets?name=pm&labelColumn=label').set(AUTH).type('text/csv').send('a,b,label\n5,0,left\n0,5,right\n4,1,left\n');
    expect(csv.status).toBe(201);
    expect(csv.headers['x-request-id']).toBeDefined();
    const datasetId = csv.body.id;

    const images = npy('<f4', [2, 1, 2, 1], new Float32Array([1, 2, 3, 4]));
    const upload = await http.post('/v1/datasets').set(AUTH).field('name', 'npy').attach('inputs', images, 'x.npy').attach('labels', npy('<i4', [2], new Int32Array([0, 1])), 'y.npy');
    expect(upload.status).toBe(201);
    expect(upload.body.inputShape).toEqual([1, 2, 1]);

    const model = await http.post('/v1/models').set(AUTH).send({ name: 'id', spec: identitySpec });
    expect(model.status).toBe(201);
    const modelId = model.body.id;

    const imported = await http.post(`/v1/models/${modelId}/checkpoints`).set(AUTH).type('application/octet-stream').send(Buffer.from(identityWeights()));
    expect(imported.status).toBe(201);
    const checkpointId = imported.body.id;

    expect((await http.get(`/v1/models/${modelId}/checkpoints`).set(AUTH)).body.items[0].id).toBe(checkpointId);
    expect((await http.get(`/v1/models/${modelId}/checkpoints/${checkpointId}`).set(AUTH)).body.tags).toEqual(['imported']);
    const weights = await http.get(`/v1/models/${modelId}/checkpoints/${checkpointId}/weights`).set(AUTH).responseType('blob');
    expect(weights.status).toBe(200);
    expect(weights.headers['content-type']).toBe('application/octet-stream');
    expect(createHash('sha256').update(weights.body as Buffer).digest('hex')).toBe(imported.body.weightsSha256);

    const predict = await http.post(`/v1/models/${modelId}/predict`).set(AUTH).send({ instances: [[5, 0], [0, 5]] });
    expect(predict.status).toBe(200);
    expect(predict.body.classes).toEqual([0, 1]);
    expect(predict.body.checkpoint).toBe(checkpointId);

    const evaluate = await http.post(`/v1/models/${modelId}/evaluate`).set(AUTH).send({ datasetId });
    expect(evaluate.status).toBe(200);
    expect(evaluate.body).toMatchObject({ count: 3, accuracy: 1, confusionMatrix: [[2, 0], [0, 1]] });

    const ids = async (path: string) => (await http.get(path).set(AUTH)).body.items.map((item: { id: string }) => item.id);
    expect(await ids('/v1/datasets')).toEqual(expect.arrayContaining([datasetId, upload.body.id]));
    expect(await ids('/v1/models')).toContain(modelId);
    expect((await http.delete(`/v1/datasets/${datasetId}`).set(AUTH)).status).toBe(204);
    expect((await http.delete(`/v1/models/${modelId}`).set(AUTH)).status).toBe(204);
    expect(await ids('/v1/datasets')).not.toContain(datasetId);
    expect(await ids('/v1/models')).not.toContain(modelId);
  });

  it('answers errors in the one shape over the wire', async () => {
    const unauthorized = await http.get('/v1/models');
    expectError(unauthorized.body, 401, 'UNAUTHORIZED', unauthorized.status);
    const missing = await http.get(`/v1/datasets/${MISSING_ID}`).set(AUTH);
    expectError(missing.body, 404, 'DATASET_NOT_FOUND', missing.status);
    const badJson = await http.post('/v1/models').set(AUTH).type('application/json').send('{"name":');
    expectError(badJson.body, 400, 'INVALID_JSON', badJson.status);
    const notTrained = await http.post('/v1/models').set(AUTH).send({ name: 'x', spec: identitySpec });
    const predict = await http.post(`/v1/models/${notTrained.body.id}/predict`).set(AUTH).send({ instances: [[1, 2]] });
    expectError(predict.body, 409, 'MODEL_NOT_TRAINED', predict.status);
    expect((await http.get('/healthz')).status).toBe(200);
    expect((await http.get('/readyz')).status).toBe(200);
    expect((await http.get('/metrics')).text).toContain('http_request_duration_seconds');
    expect((await http.get('/openapi.yaml')).text).toMatch(/^openapi: 3\.1/);
  });
});
