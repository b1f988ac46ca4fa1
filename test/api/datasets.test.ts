// /v1/datasets: JSON, CSV and NPY uploads (success and every rejection, with nothing stored on a
// rejected request), get, list with pagination, delete, and 409 DATASET_IN_USE.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, MISSING_ID, storedFiles, type TestApp } from '../helpers/test-app.js';
import { multipart, npy } from '../helpers/npy.js';

const xor = { name: 'xor', inputShape: [2], inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [0, 1, 1, 0], classNames: ['off', 'on'] };

describe('datasets routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DATASET_BODY_LIMIT_BYTES: String(64 * 1024) });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/datasets') =>
    t.app.inject({ method: 'POST', url, payload: payload as string, headers });

  /** Sends the request, expects the error, and that no dataset file appeared. */
  async function expectRejected(request: () => ReturnType<typeof post>, status: number, code: string) {
    const before = await storedFiles(t.dataDir, 'datasets');
    const res = await request();
    expectError(res.json(), status, code, res.statusCode);
    expect(await storedFiles(t.dataDir, 'datasets')).toEqual(before);
    return res.json().error;
  }

  it('stores a JSON classification dataset with counts, stats and class names', async () => {
    const res = await post(xor);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'xor', inputShape: [2], count: 4, kind: 'classification', numClasses: 2,
      classCounts: [2, 2], classNames: ['off', 'on'], stats: { min: 0, max: 1, mean: 0.5, std: 0.5 },
    });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.headers.location).toBe(`/v1/datasets/${body.id}`);
    const got = await t.app.inject({ method: 'GET', url: `/v1/datasets/${body.id}` });
    expect(got.json()).toEqual(body);
    const loaded = await t.deps.storage.datasets.load(body.id);
    expect(Array.from(loaded.tensors.labels ?? [])).toEqual([0, 1, 1, 0]);
  });

  it('accepts nested rows in the input shape and regression targets', async () => {
    const res = await post({ name: 'grid', inputShape: [2, 2, 1], inputs: [[[[1], [2]], [[3], [4]]], [5, 6, 7, 8]], targets: [[1, 2], [3, 4]] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'regression', numClasses: null, classCounts: null, classNames: null, targetSize: 2, count: 2 });
    const { tensors } = await t.deps.storage.datasets.load(res.json().id);
    expect(Array.from(tensors.inputs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects a row that does not fit the input shape, naming it', async () => {
    const error = await expectRejected(() => post({ ...xor, inputs: [[0, 0], [0, 1], [1], [1, 1]] }), 400, 'VALIDATION_ERROR');
    expect(error.details[0].path).toBe('/inputs/2');
  });

  it('rejects labels beyond the class names, both labels and targets, and a count mismatch', async () => {
    expect((await expectRejected(() => post({ ...xor, labels: [0, 1, 2, 0] }), 400, 'VALIDATION_ERROR')).details[0].path).toBe('/labels/2');
    await expectRejected(() => post({ ...xor, targets: [1, 2, 3, 4] }), 400, 'VALIDATION_ERROR');
    expect((await expectRejected(() => post({ ...xor, labels: [0, 1] }), 400, 'VALIDATION_ERROR')).details[0].path).toBe('/labels');
    await expectRejected(() => post({ ...xor, labels: undefined }), 400, 'VALIDATION_ERROR');
  });

  it('rejects schema errors naming the field', async () => {
    const error = await expectRejected(() => post({ ...xor, inputShape: [0] }), 400, 'VALIDATION_ERROR');
    expect(error.details[0].path).toBe('/inputShape/0');
    expect((await expectRejected(() => post({ ...xor, name: '' }), 400, 'VALIDATION_ERROR')).details[0].path).toBe('/name');
  });

  it('rejects invalid JSON, proto poisoning, unsupported types and oversize bodies', async () => {
    await expectRejected(() => post('{"name": ', { 'content-type': 'application/json' }), 400, 'INVALID_JSON');
    await expectRejected(() => post('{"__proto__": {"x": 1}, "name": "p"}', { 'content-type': 'application/json' }), 400, 'INVALID_JSON');
    await expectRejected(() => post('<x/>', { 'content-type': 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const big = { ...xor, inputs: Array.from({ length: 5000 }, () => [0.123456, 0.654321]), labels: new Array(5000).fill(0) };
    await expectRejected(() => post(big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('stores CSV with text labels as named classes', async () => {
    const csv = 'x1,x2,label\n0,0,off\n0,1,on\n1,0,on\n"1",1,off\n';
    const res = await post(csv, { 'content-type': 'text/csv' }, '/v1/datasets?name=xor-csv&labelColumn=label');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'xor-csv', inputShape: [2], count: 4, classNames: ['off', 'on'], classCounts: [2, 2] });
    const { tensors } = await t.deps.storage.datasets.load(res.json().id);
    expect(Array.from(tensors.labels ?? [])).toEqual([0, 1, 1, 0]);
  });

  it('stores CSV with target columns as regression', async () => {
    const csv = 'a,b,y1,y2\r\n1,2,3,4\r\n5,6,7,8\r\n';
    const res = await post(csv, { 'content-type': 'text/csv' }, '/v1/datasets?name=reg&targetColumns=y1,y2');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'regression', inputShape: [2], targetSize: 2, count: 2 });
  });

  it('rejects CSV with a bad cell, a missing column or no label choice', async () => {
    const type = { 'content-type': 'text/csv' };
    const bad = await expectRejected(() => post('a,label\n1,0\nx,1\n', type, '/v1/datasets?name=c&labelColumn=label'), 400, 'VALIDATION_ERROR');
    expect(bad.details[0].path).toBe('/csv/1/a');
    await expectRejected(() => post('a,label\n1,0\n', type, '/v1/datasets?name=c&labelColumn=nope'), 400, 'VALIDATION_ERROR');
    await expectRejected(() => post('a,label\n1,0\n', type, '/v1/datasets?name=c'), 400, 'VALIDATION_ERROR');
    await expectRejected(() => post('a,label\n1,0\n', type, '/v1/datasets?labelColumn=label'), 400, 'VALIDATION_ERROR');
  });

  it('stores NPY uploads (uint8 images, int64 labels) from multipart', async () => {
    const images = new Uint8Array(3 * 2 * 2).map((_, i) => i * 10);
    const labels = new BigInt64Array([0n, 2n, 1n]);
    const form = multipart({ name: 'tiny-images', inputs: npy('|u1', [3, 2, 2, 1], images), labels: npy('<i8', [3], labels), classNames: '["a","b","c"]' });
    const res = await post(form.body, { 'content-type': form.contentType });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'tiny-images', inputShape: [2, 2, 1], count: 3, classNames: ['a', 'b', 'c'], classCounts: [1, 1, 1] });
    const { tensors } = await t.deps.storage.datasets.load(res.json().id);
    expect(tensors.inputs[11]).toBe(110);
  });

  it('stores NPY float64 regression targets', async () => {
    const form = multipart({ name: 'reg-npy', inputs: npy('<f4', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6])), targets: npy('<f8', [2], new Float64Array([0.5, 1.5])) });
    const res = await post(form.body, { 'content-type': form.contentType });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'regression', targetSize: 1, inputShape: [3] });
  });

  it('rejects malformed NPY, missing parts, unknown parts and NaN values', async () => {
    const send = (parts: Record<string, string | Buffer>) => {
      const form = multipart(parts);
      return post(form.body, { 'content-type': form.contentType });
    };
    const labels = npy('<i4', [2], new Int32Array([0, 1]));
    const bad = await expectRejected(() => send({ name: 'x', inputs: Buffer.from('not numpy'), labels }), 400, 'VALIDATION_ERROR');
    expect(bad.details[0].path).toBe('/inputs');
    await expectRejected(() => send({ name: 'x', labels }), 400, 'VALIDATION_ERROR');
    await expectRejected(() => send({ name: 'x', inputs: npy('<f4', [2, 1], new Float32Array([1, 2])), weights: labels }), 400, 'VALIDATION_ERROR');
    const nan = await expectRejected(() => send({ name: 'x', inputs: npy('<f4', [2, 1], new Float32Array([1, NaN])), labels }), 400, 'VALIDATION_ERROR');
    expect(nan.details[0].path).toBe('/inputs/1');
    await expectRejected(() => send({ name: 'x', inputs: npy('|O', [2, 1], new Uint8Array(16)), labels }), 400, 'VALIDATION_ERROR');
  });

  it('rejects an NPY file over the dataset body limit with 413', async () => {
    const form = multipart({ name: 'huge', inputs: npy('<f4', [20000, 1], new Float32Array(20000)), labels: npy('<i4', [20000], new Int32Array(20000)) });
    await expectRejected(() => post(form.body, { 'content-type': form.contentType }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 DATASET_NOT_FOUND for malformed and unknown ids', async () => {
    for (const id of ['not-a-uuid', MISSING_ID, '..%2F..%2Fetc']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` });
      expectError(res.json(), 404, 'DATASET_NOT_FOUND', res.statusCode);
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}` });
      expectError(del.json(), 404, 'DATASET_NOT_FOUND', del.statusCode);
    }
  });

  it('lists newest first with limit and cursor, and rejects bad paging', async () => {
    for (const name of ['a', 'b', 'c']) expect((await post({ ...xor, name })).statusCode).toBe(201);
    const page1 = await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=2' });
    expect(page1.statusCode).toBe(200);
    const first = page1.json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const page2 = await t.app.inject({ method: 'GET', url: `/v1/datasets?limit=500&cursor=${first.nextCursor}` });
    const rest = page2.json();
    expect(rest.nextCursor).toBeNull();
    const all = await t.app.inject({ method: 'GET', url: '/v1/datasets' });
    expect([...first.items, ...rest.items].map((d: { id: string }) => d.id)).toEqual(all.json().items.map((d: { id: string }) => d.id));
    const times = all.json().items.map((d: { createdAt: string }) => d.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'cursor=garbage']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/datasets?${query}` });
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
      expect(res.json().error.details[0].path).toMatch(/^\/query\//);
    }
  });

  it('deletes a dataset, but not while a queued job needs it', async () => {
    const dataset = (await post(xor)).json();
    const model = await t.deps.storage.models.create({ name: 'm', spec: { input: [2], layers: [], loss: 'mse' } as never, summary: {} as never });
    const { job } = await t.deps.jobs.create({ modelId: model.id, datasetId: dataset.id, config: { validationDatasetId: null } as never, idempotencyKey: null });
    const busy = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${dataset.id}` });
    expectError(busy.json(), 409, 'DATASET_IN_USE', busy.statusCode);
    expect((await t.app.inject({ method: 'GET', url: `/v1/datasets/${dataset.id}` })).statusCode).toBe(200);
    await t.deps.jobs.update(job.id, (j) => ({ ...j, state: 'cancelled' }));
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${dataset.id}` });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `/v1/datasets/${dataset.id}` })).statusCode).toBe(404);
    expect((await storedFiles(t.dataDir, 'datasets')).filter((f) => f.startsWith(dataset.id))).toEqual([]);
  });
});

describe('malformed multipart', () => {
  it('answers 400 INVALID_MULTIPART for a body without boundary or cut short', async () => {
    const t = await createTestApp();
    try {
      const cases = [
        { payload: 'abc', type: 'multipart/form-data' },
        { payload: '--xx\r\nContent-Disposition: form-data; name="inputs"; filename="a"\r\n\r\n\x93NUMPY', type: 'multipart/form-data; boundary=xx' },
      ];
      for (const { payload, type } of cases) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { 'content-type': type } });
        expectError(res.json(), 400, 'INVALID_MULTIPART', res.statusCode);
      }
      expect(await storedFiles(t.dataDir, 'datasets')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
