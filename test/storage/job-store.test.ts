// The job store: records round-trip, lists filter and paginate newest first, idempotency keys
// return one job even under concurrent creates, `isInUse` sees only unfinished jobs, and states are counted.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedRecord } from '../../src/storage/job-record.js';
import { JobStore } from '../../src/storage/job-store.js';
import { jobConfig } from '../helpers/training-fixtures.js';

const MODEL = '11111111-1111-4111-8111-111111111111';
const OTHER_MODEL = '22222222-2222-4222-8222-222222222222';
const DATASET = '33333333-3333-4333-8333-333333333333';

describe('JobStore', () => {
  let dir: string;
  let jobs: JobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-job-store-'));
    jobs = new JobStore(dir);
    await jobs.init();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const create = (modelId = MODEL, key?: string) => jobs.create({ modelId, datasetId: DATASET, config: jobConfig(), idempotencyKey: key });

  it('stores a queued job and reads it back; malformed and unknown ids read as null', async () => {
    const { job, created } = await create();
    expect(created).toBe(true);
    expect(job).toMatchObject({ state: 'queued', attempts: 0, history: [], checkpointIds: [], error: null, startedAt: null });
    expect(await jobs.get(job.id)).toMatchObject({ id: job.id, config: jobConfig() });
    expect(await jobs.get('../../etc/passwd')).toBeNull();
    expect(await jobs.get('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('returns the same job for the same idempotency key, also under concurrent creates', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => create(MODEL, 'same-key')));
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await jobs.list({}, { limit: 50 })).items).toHaveLength(1);
    const other = await create(MODEL, 'other-key');
    expect(other.job.id).not.toBe(results[0].job.id);
  });

  it('remove() forgets the job and frees its idempotency key', async () => {
    const { job } = await create(MODEL, 'retry-me');
    await jobs.remove(job);
    expect(await jobs.get(job.id)).toBeNull();
    const again = await create(MODEL, 'retry-me');
    expect(again.created).toBe(true);
    expect(again.job.id).not.toBe(job.id);
  });

  it('lists newest first, filters by model and state, and paginates with a cursor', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await create(i % 2 === 0 ? MODEL : OTHER_MODEL)).job);
    await jobs.save(finishedRecord(made[0], 'succeeded', null));
    const all = (await jobs.list({}, { limit: 50 })).items;
    expect(all).toHaveLength(5);
    const times = all.map((j) => j.createdAt);
    expect(times).toEqual([...times].sort().reverse()); // newest first (ids break ties)
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await jobs.list({}, { limit: 2, cursor });
      pages.push(page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all.map((j) => j.id));
    expect((await jobs.list({ modelId: MODEL }, { limit: 50 })).items).toHaveLength(3);
    expect((await jobs.list({ state: 'succeeded' }, { limit: 50 })).items.map((j) => j.id)).toEqual([made[0].id]);
    expect((await jobs.list({ modelId: OTHER_MODEL, state: 'queued' }, { limit: 50 })).items).toHaveLength(2);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(jobs.list({}, { limit: 2, cursor: 'bm9wZQ' })).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
  });

  it('isInUse sees queued and running jobs only, by model, dataset or validation dataset', async () => {
    const validation = '44444444-4444-4444-8444-444444444444';
    const { job } = await jobs.create({ modelId: MODEL, datasetId: DATASET, config: jobConfig({ validationDatasetId: validation }) });
    expect(await jobs.isInUse({ modelId: MODEL })).toBe(true);
    expect(await jobs.isInUse({ datasetId: DATASET })).toBe(true);
    expect(await jobs.isInUse({ datasetId: validation })).toBe(true);
    expect(await jobs.isInUse({ modelId: OTHER_MODEL })).toBe(false);
    await jobs.save({ ...job, state: 'running' });
    expect(await jobs.isInUse({ modelId: MODEL })).toBe(true);
    await jobs.save(finishedRecord(job, 'cancelled', null));
    expect(await jobs.isInUse({ modelId: MODEL })).toBe(false);
    expect(await jobs.isInUse({ datasetId: DATASET })).toBe(false);
  });

  it('countByState() counts every record by state', async () => {
    const made = (await Promise.all([create(), create(), create(OTHER_MODEL)])).map((r) => r.job);
    await jobs.save(finishedRecord(made[0], 'succeeded', null));
    await jobs.save({ ...made[1], state: 'running' });
    expect(Object.fromEntries(await jobs.countByState())).toEqual({ succeeded: 1, running: 1, queued: 1 });
  });

  it('unfinished() lists queued and running jobs oldest first', async () => {
    const a = (await create()).job;
    const b = (await create()).job;
    const c = (await create()).job;
    await jobs.save(finishedRecord(b, 'failed', { code: 'X', message: 'x' }));
    expect((await jobs.unfinished()).map((j) => j.id)).toEqual([a.id, c.id]);
  });
});
