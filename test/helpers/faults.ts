// Shared bits of the fault-injection suites (test/faults/*.faults.test.ts): the job record as stored
// (attempts included, which the API hides), a job's checkpoints as the API lists them, and an env that
// keeps rate limits and load shedding out of the way of tests that are about something else.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { JobRecord } from '../../src/storage/job-record.js';
import type { Client } from './service-process.js';

export const NO_THROTTLING = { RATE_LIMIT_JOBS_PER_MINUTE: '0', RATE_LIMIT_PREDICT_PER_MINUTE: '0', MAX_ACTIVE_JOBS_PER_CLIENT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' };

export async function readJobRecord(dataDir: string, jobId: string): Promise<JobRecord> {
  return JSON.parse(await readFile(join(dataDir, 'jobs', `${jobId}.json`), 'utf8')) as JobRecord;
}

export interface ListedCheckpoint {
  id: string;
  jobId: string;
  epoch: number;
  tags: string[];
  weightsSha256: string;
}

export async function jobCheckpoints(api: Client, modelId: string, jobId: string): Promise<ListedCheckpoint[]> {
  const listed = await api.json('GET', `/v1/models/${modelId}/checkpoints?limit=500`);
  expect(listed.status).toBe(200);
  return (listed.body.items as ListedCheckpoint[]).filter((c) => c.jobId === jobId);
}

/** Every listed checkpoint is whole: its weights download and match weightsSha256. */
export async function expectWholeCheckpoints(api: Client, modelId: string, checkpoints: ListedCheckpoint[]): Promise<void> {
  for (const checkpoint of checkpoints) {
    const weights = await api.bytes(`/v1/models/${modelId}/checkpoints/${checkpoint.id}/weights`);
    expect(weights.status).toBe(200);
    expect(createHash('sha256').update(weights.body).digest('hex')).toBe(checkpoint.weightsSha256);
  }
}

/** A job that ran to success exactly once: every epoch once, in order; one final checkpoint; no epoch checkpointed twice. */
export async function expectCompletedOnce(api: Client, modelId: string, jobId: string, epochs: number): Promise<void> {
  const job = (await api.json('GET', `/v1/jobs/${jobId}`)).body;
  expect(job.state).toBe('succeeded');
  expect(job.history.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  const checkpoints = await jobCheckpoints(api, modelId, jobId);
  const checkpointEpochs = checkpoints.map((c) => c.epoch);
  expect(new Set(checkpointEpochs).size).toBe(checkpointEpochs.length);
  expect(checkpoints.filter((c) => c.tags.includes('final')).map((c) => c.epoch)).toEqual([epochs]);
  await expectWholeCheckpoints(api, modelId, checkpoints);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
