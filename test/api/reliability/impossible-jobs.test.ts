// Issue 10, finding 4: a job that cannot run is refused at submission (422; 409 for a corrupt
// resumeFrom checkpoint) by the same engine checks the run uses, and nothing is stored or queued.

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, storedFiles, type TestApp } from '../../helpers/test-app.js';
import { separableData, tinySpec, waitFor } from '../../helpers/training-fixtures.js';

describe('impossible jobs are refused at submission', () => {
  let t: TestApp;
  let datasetId: string;
  let smallDatasetId: string;
  let modelId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const post = (url: string, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url, payload });
    const data = separableData(64);
    datasetId = (await post('/v1/datasets', { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList })).json().id;
    const small = separableData(8);
    smallDatasetId = (await post('/v1/datasets', { name: 'eight', inputShape: [2], inputs: small.rows, labels: small.labelList })).json().id;
    modelId = (await post('/v1/models', { name: 'tiny', spec: tinySpec })).json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { modelId, datasetId, epochs: 1, ...body } });
  const jobFiles = async () => (await storedFiles(t.dataDir, 'jobs')).filter((f) => f.endsWith('.json'));

  it('softmax with mse on class labels: 422 SHAPE_MISMATCH naming /datasetId, nothing stored', async () => {
    const spec = { ...tinySpec, loss: 'mse' };
    const mseModel = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'mse', spec } })).json().id;
    const before = await jobFiles();
    const res = await submit({ modelId: mseModel });
    expectError(res.json(), 422, 'SHAPE_MISMATCH', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/datasetId');
    expect(res.json().error.message).toMatch(/class labels/);
    expect(await jobFiles()).toEqual(before);
  });

  it.each([0.01, 0.99])('validationSplit %s of 8 samples leaves no validation or no training data: 422 CONFIG_INVALID', async (split) => {
    const before = await jobFiles();
    const res = await submit({ datasetId: smallDatasetId, validationSplit: split });
    expectError(res.json(), 422, 'CONFIG_INVALID', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/validationSplit');
    expect(await jobFiles()).toEqual(before);
  });

  it('a validationSplit that leaves both is accepted', async () => {
    const res = await submit({ datasetId: smallDatasetId, validationSplit: 0.25 });
    expect(res.statusCode).toBe(202);
  });

  it('resumeFrom a checkpoint whose file is corrupt: 409 CHECKPOINT_CORRUPT naming /resumeFrom', async () => {
    const first = (await submit({})).json();
    const done = await waitFor(async () => (await t.app.inject({ method: 'GET', url: `/v1/jobs/${first.id}` })).json(), (j) => j.state === 'succeeded');
    const checkpointId: string = done.checkpointIds.at(-1);
    const dir = join(t.dataDir, 'checkpoints', modelId);
    const state = (await readdir(dir)).find((f) => f === `${checkpointId}.state`)!;
    await writeFile(join(dir, state), 'not a checkpoint');
    const before = await jobFiles();
    const res = await submit({ resumeFrom: checkpointId });
    expectError(res.json(), 409, 'CHECKPOINT_CORRUPT', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/resumeFrom');
    expect(await jobFiles()).toEqual(before);
  });
});
