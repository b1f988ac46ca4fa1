// The end-to-end walkthrough both modes must pass over real HTTP: upload, create, train to a stated
// accuracy while watching SSE, predict, download weights, resume from a checkpoint, cancel.

import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Client } from './service-process.js';
import { separableData, tinySpec, waitFor } from './training-fixtures.js';

/** The accuracy the tiny model must reach on held-out validation data (a linearly separable set). */
export const TARGET_ACCURACY = 0.9;

export interface Trained {
  modelId: string;
  datasetId: string;
}

export async function uploadAndCreate(api: Client): Promise<Trained> {
  const data = separableData(320, 11);
  const dataset = await api.json('POST', '/v1/datasets', { name: 'separable', inputShape: [2], inputs: data.rows, labels: data.labelList, classNames: ['left', 'right'] });
  expect(dataset.status).toBe(201);
  expect(dataset.body).toMatchObject({ count: 320, kind: 'classification', numClasses: 2 });
  const model = await api.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
  expect(model.status).toBe(201);
  return { modelId: model.body.id, datasetId: dataset.body.id };
}

export async function trainWatchPredictDownload(api: Client, { modelId, datasetId }: Trained): Promise<string> {
  const submitted = await api.json('POST', '/v1/jobs', {
    modelId, datasetId, epochs: 12, batchSize: 2, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.25, checkpointEvery: 4,
  });
  expect(submitted.status).toBe(202);
  const jobId: string = submitted.body.id;

  const events = await api.events(`/v1/jobs/${jobId}/events`);
  expect(events[0].event).toBe('snapshot');
  expect(events.at(-1)).toMatchObject({ event: 'state', data: { state: 'succeeded' } });
  const seenEpochs = [
    ...(events[0].data as { history: { epoch: number }[] }).history.map((e) => e.epoch),
    ...events.filter((e) => e.event === 'epoch').map((e) => (e.data as { epoch: number }).epoch),
  ];
  expect(new Set(seenEpochs).size).toBe(12);

  const job = (await api.json('GET', `/v1/jobs/${jobId}`)).body;
  expect(job.state).toBe('succeeded');
  expect(job.history.at(-1).valAccuracy).toBeGreaterThanOrEqual(TARGET_ACCURACY);
  expect(job.progress).toMatchObject({ epoch: 12, epochs: 12, fraction: 1 });

  const checkpoints = (await api.json('GET', `/v1/models/${modelId}/checkpoints`)).body.items as { id: string; epoch: number; tags: string[]; weightsSha256: string }[];
  expect(checkpoints.map((c) => c.epoch).sort((a, b) => a - b)).toEqual([4, 8, 12]);
  expect(checkpoints.find((c) => c.tags.includes('final'))?.epoch).toBe(12);
  const best = checkpoints.find((c) => c.tags.includes('best'));
  expect(best).toBeDefined();

  const data = separableData(40, 99);
  const predicted = await api.json('POST', `/v1/models/${modelId}/predict`, { instances: data.rows, checkpoint: 'best' });
  expect(predicted.status).toBe(200);
  const agree = (predicted.body.classes as number[]).filter((c, i) => c === data.labelList[i]).length;
  expect(agree / data.rows.length).toBeGreaterThanOrEqual(TARGET_ACCURACY);
  expect(predicted.body.predictions[0]).toHaveLength(2);

  const weights = await api.bytes(`/v1/models/${modelId}/checkpoints/${best?.id}/weights`);
  expect(weights.status).toBe(200);
  expect(createHash('sha256').update(weights.body).digest('hex')).toBe(best?.weightsSha256);
  const headerLength = Number(weights.body.readBigUInt64LE(0));
  expect(Object.keys(JSON.parse(weights.body.subarray(8, 8 + headerLength).toString()))).toEqual(
    expect.arrayContaining(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']),
  );
  return checkpoints.find((c) => c.tags.includes('final'))?.id as string;
}

export async function resumeFrom(api: Client, { modelId, datasetId }: Trained, checkpointId: string): Promise<void> {
  const submitted = await api.json('POST', '/v1/jobs', { modelId, datasetId, epochs: 2, batchSize: 16, resumeFrom: checkpointId });
  expect(submitted.status).toBe(202);
  const events = await api.events(`/v1/jobs/${submitted.body.id}/events`);
  expect(events.at(-1)).toMatchObject({ event: 'state', data: { state: 'succeeded' } });
  const job = (await api.json('GET', `/v1/jobs/${submitted.body.id}`)).body;
  expect(job.history.map((e: { epoch: number }) => e.epoch)).toEqual([13, 14]);
}

export async function cancelRunning(api: Client, { modelId, datasetId }: Trained): Promise<void> {
  const submitted = await api.json('POST', '/v1/jobs', { modelId, datasetId, epochs: 100_000, batchSize: 1 });
  const jobId = submitted.body.id as string;
  await waitFor(async () => (await api.json('GET', `/v1/jobs/${jobId}`)).body, (job) => job.state === 'running');
  const stream = api.events(`/v1/jobs/${jobId}/events`);
  const cancelled = await api.json('POST', `/v1/jobs/${jobId}/cancel`);
  expect(cancelled.status).toBe(202);
  expect((await stream).at(-1)).toMatchObject({ event: 'state', data: { state: 'cancelled' } });
  const again = await api.json('POST', `/v1/jobs/${jobId}/cancel`);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('JOB_FINISHED');
}
