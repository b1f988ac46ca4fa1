// Issue 10, finding 3: DATASET_BODY_LIMIT_BYTES bounds the whole multipart request, not each part:
// two parts that are each under it but together over it are a 413, nothing stored. Over a real socket.

import { Readable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, npy } from '../../helpers/npy.js';
import { createTestApp, expectError, storedFiles, type TestApp } from '../../helpers/test-app.js';

const LIMIT = 4096;

describe('DATASET_BODY_LIMIT_BYTES per multipart request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DATASET_BODY_LIMIT_BYTES: String(LIMIT) });
  });
  afterAll(async () => {
    await t.close();
  });

  const upload = (count: number) => {
    const inputs = npy('<f4', [count, 1], new Float32Array(count).fill(0.5));
    const labels = npy('<i4', [count], new Int32Array(count).fill(1));
    return { inputs, labels, send: () => request(t.app.server).post('/v1/datasets').field('name', 'two-parts').attach('inputs', inputs, 'x.npy').attach('labels', labels, 'y.npy') };
  };

  it('two parts each under the limit, together over it: 413 PAYLOAD_TOO_LARGE, nothing stored', async () => {
    const { inputs, labels, send } = upload(700);
    expect(inputs.length).toBeLessThan(LIMIT);
    expect(labels.length).toBeLessThan(LIMIT);
    expect(inputs.length + labels.length).toBeGreaterThan(LIMIT);
    const before = await storedFiles(t.dataDir, 'datasets');
    const res = await send();
    expectError(res.body, 413, 'PAYLOAD_TOO_LARGE', res.status);
    expect(await storedFiles(t.dataDir, 'datasets')).toEqual(before);
  });

  it('without a Content-Length (chunked), the parts are counted as they stream: 413', async () => {
    const { inputs, labels } = upload(700);
    const { body, contentType } = multipart({ name: 'chunked', inputs, labels });
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: Readable.from([body.subarray(0, 1000), body.subarray(1000)]), headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } });
    expect(res.headers['content-length']).toBeDefined(); // the response's, not the request's
    expectError(res.json(), 413, 'PAYLOAD_TOO_LARGE', res.statusCode);
    expect(res.json().error.message).toMatch(/in total/);
  });

  it('the same upload under the limit in total is accepted', async () => {
    const res = await upload(300).send();
    expect(res.status).toBe(201);
    expect(res.body.count).toBe(300);
  });
});
