// /v1/models/:id/checkpoints: list, get, weights download (sha256 = weightsSha256), safetensors
// import (201 tagged imported; 422 for bad weights, nothing stored), 404s and 409 CHECKPOINT_CORRUPT.

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/engine/index.js';
import { createTestApp, expectError, identitySpec, identityWeights, MISSING_ID, storedFiles, type TestApp } from '../helpers/test-app.js';

describe('checkpoints routes', () => {
  let t: TestApp;
  let modelId: string;
  beforeAll(async () => {
    t = await createTestApp();
    modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'id', spec: identitySpec } })).json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const upload = (bytes: Uint8Array, type = 'application/octet-stream', id = modelId) =>
    t.app.inject({ method: 'POST', url: `/v1/models/${id}/checkpoints`, payload: Buffer.from(bytes), headers: { 'content-type': type } });

  it('imports safetensors: 201, tagged imported, and serves bytes whose sha256 is weightsSha256', async () => {
    const res = await upload(identityWeights(3));
    expect(res.statusCode).toBe(201);
    const record = res.json();
    expect(record).toMatchObject({ modelId, jobId: null, epoch: 0, tags: ['imported'], stateSha256: null });
    const weights = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${record.id}/weights` });
    expect(weights.statusCode).toBe(200);
    expect(weights.headers['content-type']).toBe('application/octet-stream');
    expect(createHash('sha256').update(weights.rawPayload).digest('hex')).toBe(record.weightsSha256);
    const again = await upload(new Uint8Array(weights.rawPayload));
    expect(again.json().weightsSha256).toBe(record.weightsSha256);
    const got = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${record.id}` });
    expect(got.json()).toEqual(record);
  });

  it('422 WEIGHTS_INVALID for wrong names, shapes or non-finite values; nothing stored', async () => {
    const before = await storedFiles(t.dataDir, `checkpoints/${modelId}`);
    const wrongShape = encodeSafetensors([
      ['layers.0.weight', { dtype: 'F32', shape: [3, 2], data: new Float32Array(6) }],
      ['layers.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) }],
    ]);
    const wrongName = encodeSafetensors([['dense.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]]);
    const nan = encodeSafetensors([
      ['layers.0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, NaN, 0, 1]) }],
      ['layers.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) }],
    ]);
    for (const bytes of [wrongShape, wrongName, nan, new TextEncoder().encode('garbage!garbage!')]) {
      const res = await upload(bytes);
      expectError(res.json(), 422, 'WEIGHTS_INVALID', res.statusCode);
    }
    expect(await storedFiles(t.dataDir, `checkpoints/${modelId}`)).toEqual(before);
  });

  it('415 for a JSON body; 404 for an unknown model', async () => {
    const json = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/checkpoints`, payload: { weights: [] } });
    expectError(json.json(), 415, 'UNSUPPORTED_MEDIA_TYPE', json.statusCode);
    const missing = await upload(identityWeights(), 'application/octet-stream', MISSING_ID);
    expectError(missing.json(), 404, 'MODEL_NOT_FOUND', missing.statusCode);
  });

  it('lists newest first with pagination', async () => {
    const own = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'listed', spec: identitySpec } })).json().id;
    const older = (await upload(identityWeights(1), 'application/octet-stream', own)).json().id;
    const newer = (await upload(identityWeights(2), 'application/octet-stream', own)).json().id;
    const page = await t.app.inject({ method: 'GET', url: `/v1/models/${own}/checkpoints?limit=1` });
    expect(page.statusCode).toBe(200);
    expect(page.json().items.map((c: { id: string }) => c.id)).toEqual([newer]);
    const next = await t.app.inject({ method: 'GET', url: `/v1/models/${own}/checkpoints?limit=1&cursor=${page.json().nextCursor}` });
    expect(next.json()).toMatchObject({ items: [{ id: older }], nextCursor: null });
    const all = await t.app.inject({ method: 'GET', url: `/v1/models/${own}/checkpoints` });
    expect(all.json().items.map((c: { id: string }) => c.id)).toEqual([newer, older]);
  });

  it('404 CHECKPOINT_NOT_FOUND for malformed, unknown or other-model ids', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'other', spec: identitySpec } })).json().id;
    const theirs = (await upload(identityWeights(), 'application/octet-stream', other)).json().id;
    for (const id of ['zzz', MISSING_ID, theirs]) {
      for (const suffix of ['', '/weights']) {
        const res = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${id}${suffix}` });
        expectError(res.json(), 404, 'CHECKPOINT_NOT_FOUND', res.statusCode);
      }
    }
    const list = await t.app.inject({ method: 'GET', url: `/v1/models/${MISSING_ID}/checkpoints` });
    expectError(list.json(), 404, 'MODEL_NOT_FOUND', list.statusCode);
  });

  it('409 CHECKPOINT_CORRUPT when the stored weights no longer match their sha256', async () => {
    const record = (await upload(identityWeights(2))).json();
    await writeFile(join(t.dataDir, 'checkpoints', modelId, `${record.id}.safetensors`), 'tampered');
    const res = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${record.id}/weights` });
    expectError(res.json(), 409, 'CHECKPOINT_CORRUPT', res.statusCode);
  });
});
