// POST /v1/models/validate: the same check and answer as POST /v1/models (spec normalised, summary,
// the same 422 naming /spec/...), with nothing stored.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, storedFiles, type TestApp } from '../../../helpers/test-app.js';
import { tinySpec } from '../../../helpers/training-fixtures.js';

describe('POST /v1/models/validate', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const validate = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/models/validate', payload: payload as object });

  it('a valid spec: 200 with the spec, summary and activation estimate that POST /v1/models would store; nothing stored', async () => {
    const res = await validate({ spec: tinySpec });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const created = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'tiny', spec: tinySpec } })).json();
    expect(body.spec).toEqual(created.spec);
    expect(body.summary).toEqual(created.summary);
    expect(body.summary.totalParams).toBe(2 * 8 + 8 + 8 * 2 + 2);
    expect(body.activationBytesPerSample).toBeGreaterThan(0);
    // Only the model created above for the comparison is stored.
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).json().items).toHaveLength(1);
  });

  it('the engine\'s error at the field, as POST /v1/models gives it, and nothing stored', async () => {
    const before = await storedFiles(t.dataDir, 'models');
    const bad = { ...tinySpec, layers: [tinySpec.layers[0], { type: 'dense', units: 0, activation: 'softmax' }] };
    const res = await validate({ spec: bad });
    expectError(res.json(), 422, 'SPEC_INVALID', res.statusCode);
    expect(res.json().error.details).toEqual([{ path: '/spec/layers/1/units', message: expect.stringContaining('units must be an integer from 1') }]);
    const viaCreate = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'x', spec: bad } });
    expect(viaCreate.json().error.details).toEqual(res.json().error.details);
    expect(await storedFiles(t.dataDir, 'models')).toEqual(before);
  });

  it('400 for an envelope that is not {spec: object}', async () => {
    for (const payload of [{}, { spec: [] }, { spec: tinySpec, name: 'extra' }]) {
      const res = await validate(payload);
      expectError(res.json(), 400, 'VALIDATION_ERROR', res.statusCode);
    }
  });
});
