// Checkpoint retention (CHECKPOINT_RETENTION_LAST): a job keeps its newest N checkpoints plus the
// best and final ones, deletes the rest (record first, then files), and never deletes a checkpoint a
// queued job will resume from or a label points at.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTrainingDeps, runTrainingJob, type TrainingDeps } from '../../src/training/run-job.js';
import { NO_LIMITS, type JobRuntime } from '../../src/training/runtime.js';
import { storeFixtures, storeJob, type Fixtures } from '../helpers/training-fixtures.js';

function runtime(onCheckpoint: (count: number) => void = () => undefined, controller = new AbortController()): JobRuntime {
  let checkpoints = 0;
  return {
    signal: controller.signal,
    publish: async (event) => {
      if (event.type === 'checkpoint') onCheckpoint(++checkpoints);
    },
    tick: () => new Promise((resolve) => setImmediate(resolve)),
    assertOwnership: async () => undefined,
  };
}

describe('checkpoint retention', () => {
  let dir: string;
  let deps: TrainingDeps;
  let fx: Fixtures;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-retention-'));
    deps = await openTrainingDeps(dir, { ...NO_LIMITS, keepLastCheckpoints: 2 });
    fx = await storeFixtures(deps.storage);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the newest N, the best and the final checkpoint; the job lists only those; deleted files are gone', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 8, checkpointEvery: 1, validationSplit: 0.25 });
    expect(await runTrainingJob(job.id, runtime(), deps)).toBe('succeeded');
    const kept = await deps.storage.checkpoints.all(fx.modelId);
    const best = kept.find((c) => c.tags.includes('best'));
    expect(best).toBeDefined();
    expect(new Set(kept.map((c) => c.epoch))).toEqual(new Set([7, 8, best!.epoch]));
    expect(kept.find((c) => c.tags.includes('final'))?.epoch).toBe(8);
    const record = await deps.jobs.get(job.id);
    expect([...record!.checkpointIds].sort()).toEqual(kept.map((c) => c.id).sort());
    const files = await readdir(join(dir, 'checkpoints', fx.modelId));
    expect(files.sort()).toEqual(kept.flatMap((c) => [`${c.id}.json`, `${c.id}.safetensors`, `${c.id}.state`]).sort());
    // whatever is kept is whole
    for (const c of kept) await expect(deps.storage.checkpoints.readState(c.id)).resolves.not.toBeNull();
  });

  it('0 keeps every checkpoint', async () => {
    const all = await openTrainingDeps(dir, NO_LIMITS);
    const job = await storeJob(all.jobs, fx, { epochs: 5, checkpointEvery: 1 });
    expect(await runTrainingJob(job.id, runtime(), all)).toBe('succeeded');
    expect(await all.storage.checkpoints.all(fx.modelId)).toHaveLength(5);
  });

  it('never deletes a checkpoint that a queued job resumes from', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 6, checkpointEvery: 1 });
    const controller = new AbortController();
    expect(await runTrainingJob(job.id, runtime((n) => n === 2 && controller.abort('shutdown'), controller), deps)).toBe('interrupted');
    const first = (await deps.jobs.get(job.id))!.checkpointIds[0];
    const waiting = await storeJob(deps.jobs, fx, { epochs: 1, resumeFrom: first });
    expect(await runTrainingJob(job.id, runtime(), deps)).toBe('succeeded');
    const kept = (await deps.storage.checkpoints.all(fx.modelId)).map((c) => c.id);
    expect(kept).toContain(first);
    expect(kept.length).toBeLessThanOrEqual(4); // the newest 2, the needed one, and best (maybe one of them)
    expect(await runTrainingJob(waiting.id, runtime(), deps)).toBe('succeeded');
  });

  it('never deletes a labelled checkpoint', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 6, checkpointEvery: 1 });
    let labelled: string | null = null;
    const labelFirst: JobRuntime = {
      ...runtime(),
      publish: async (event) => {
        if (event.type === 'checkpoint' && labelled === null) {
          labelled = (event.data as { id: string }).id;
          await deps.storage.labels.set(fx.modelId, 'production', labelled);
        }
      },
    };
    expect(await runTrainingJob(job.id, labelFirst, deps)).toBe('succeeded');
    const kept = (await deps.storage.checkpoints.all(fx.modelId)).map((c) => c.id);
    expect(labelled).not.toBeNull();
    expect(kept).toContain(labelled);
    expect(kept.length).toBeLessThanOrEqual(4); // the newest 2, the labelled one, and best (maybe one of them)
    expect(kept.length).toBeLessThan(6); // retention still pruned the others
  });
});
