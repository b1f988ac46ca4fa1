// Issue 10, findings 6 and 8: dataset uploads are read strictly. Flat regression targets are one
// number per sample (never silently reshaped into wider rows); CSV numbers are decimal only.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, npy } from '../../helpers/npy.js';
import { createTestApp, expectError, storedFiles, type TestApp } from '../../helpers/test-app.js';

describe('strict dataset uploads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const datasetCount = async () => (await storedFiles(t.dataDir, 'datasets')).length;

  it('flat targets with more numbers than samples: 400 naming /targets, nothing stored', async () => {
    const before = await datasetCount();
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'r', inputShape: [1], inputs: [[1], [2]], targets: [1, 2, 3, 4] } });
    expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/targets');
    expect(await datasetCount()).toBe(before);
  });

  it('flat targets, one per sample, and rows of width 2 are accepted', async () => {
    const flat = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'r', inputShape: [1], inputs: [[1], [2]], targets: [1, 2] } });
    expect(flat.statusCode).toBe(201);
    expect(flat.json().targetSize).toBe(1);
    const rows = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'r', inputShape: [1], inputs: [[1], [2]], targets: [[1, 2], [3, 4]] } });
    expect(rows.statusCode).toBe(201);
    expect(rows.json().targetSize).toBe(2);
  });

  it('an NPY targets array whose first axis is not the sample count: 400 naming /targets', async () => {
    const { body: payload, contentType } = multipart({ name: 'r', inputs: npy('<f4', [2, 1], new Float32Array([1, 2])), targets: npy('<f4', [4], new Float32Array([1, 2, 3, 4])) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { 'content-type': contentType } });
    expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/targets');
  });

  it.each(['0x10', '0b11', '0o7', '1_000', 'Infinity', ' 1e3x'])('a CSV number %j that is not decimal: 400 naming the cell', async (cell) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets?name=c&labelColumn=label', payload: `a,label\n${cell},0\n1,1\n`, headers: { 'content-type': 'text/csv' } });
    expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/csv/0/a');
  });

  it.each(['1', '-2.5', '+3', '.5', '5.', '1e-3', '-1.5E+2', ' 7 '])('a CSV decimal number %j is accepted', async (cell) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets?name=c&labelColumn=label', payload: `a,label\n${cell},0\n1,1\n`, headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(201);
  });
});

describe('JSON dataset bodies read without JSON.parse of the whole body', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const raw = (body: string) => t.app.inject({ method: 'POST', url: '/v1/datasets', payload: body, headers: { 'content-type': 'application/json' } });

  it.each([
    ['{"name": true, "inputShape": [1], "inputs": [[1]], "labels": [0]}', 400, 'VALIDATION_ERROR', '/name'],
    ['{"name": "x", "inputShape": 12, "inputs": [[1]], "labels": [0]}', 400, 'VALIDATION_ERROR', '/inputShape'],
    ['{"name": "x", "inputShape": [1], "inputs": [[1]], "labels": [0], "name": "y"}', 400, 'VALIDATION_ERROR', '/name'],
    ['{"name": "x", "inputShape": [2, 2, 1], "inputs": [[[1], [2]], [[3], [4]]], "labels": [0, 1]}', 400, 'VALIDATION_ERROR', '/inputs/0'],
    ['{"name": "x", "inputShape": [2, 1, 1], "inputs": [[[[1]], [2]]], "labels": [0]}', 400, 'VALIDATION_ERROR', '/inputs/0/1/0'],
    ['{"name": "x", "inputShape": [1], "inputs": [[1], [2]], "labels": [0, "a"]}', 400, 'VALIDATION_ERROR', '/labels/1'],
    ['{"name": "x", "inputShape": [1], "inputs": [[01]], "labels": [0]}', 400, 'INVALID_JSON', '/'],
    ['{"name": "x", "inputShape": [1], "inputs": [[1]], "labels": [0]} x', 400, 'INVALID_JSON', '/'],
    ['{"name": "x", "inputShape": [1], "inputs": [[NaN]], "labels": [0]}', 400, 'INVALID_JSON', '/'],
  ])('%s -> %s %s at %s', async (body, status, code, path) => {
    const res = await raw(body);
    expectError(res.json(), status, code, res.statusCode);
    expect(res.json().error.details[0].path).toBe(path);
  });

  it('reads nested and flat rows, numbers in every JSON form, and targets rows', async () => {
    const res = await raw('{"inputs": [[[1.5], [-2e1]], [3, 4E-1]], "targets": [[0.5, 1], [2, 3]], "inputShape": [2, 1], "name": "ok"}');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ count: 2, inputShape: [2, 1], kind: 'regression', targetSize: 2, stats: { min: -20, max: 3 } });
  });
});
