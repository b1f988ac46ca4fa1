// The training processor run in-process (no thread): checkpoint cadence and tags, early stopping,
// crash recovery from the job's own checkpoints, ownership checks, and stop reasons.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getKernel, setKernel, typescriptKernel } from '../../src/engine/index.js';
import type { JobEventInput } from '../../src/queue/types.js';
import { openTrainingDeps, runTrainingJob, type TrainingDeps } from '../../src/training/run-job.js';
import { NO_LIMITS, type JobRuntime } from '../../src/training/runtime.js';
import { storeFixtures, storeJob, type Fixtures } from '../helpers/training-fixtures.js';

function testRuntime(overrides: Partial<JobRuntime> = {}) {
  const controller = new AbortController();
  const events: JobEventInput[] = [];
  const runtime: JobRuntime = {
    signal: controller.signal,
    publish: async (event) => void events.push(event),
    tick: () => new Promise((resolve) => setImmediate(resolve)),
    assertOwnership: async () => undefined,
    ...overrides,
  };
  return { runtime, events, controller };
}

describe('runTrainingJob', () => {
  let dir: string;
  let deps: TrainingDeps;
  let fx: Fixtures;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-run-job-'));
    deps = await openTrainingDeps(dir, NO_LIMITS);
    fx = await storeFixtures(deps.storage);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checkpoints every checkpointEvery epochs plus the final one; best moves among them', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 7, checkpointEvery: 3, validationSplit: 0.25 });
    const { runtime, events } = testRuntime();
    expect(await runTrainingJob(job.id, runtime, deps)).toBe('succeeded');
    const checkpoints = await deps.storage.checkpoints.all(fx.modelId);
    expect(checkpoints.map((c) => c.epoch).sort()).toEqual([3, 6, 7]);
    expect(checkpoints.find((c) => c.epoch === 7)?.tags).toContain('final');
    const best = checkpoints.filter((c) => c.tags.includes('best'));
    expect(best).toHaveLength(1);
    const lowest = Math.min(...checkpoints.map((c) => c.metrics.valLoss as number));
    expect(best[0].metrics.valLoss).toBe(lowest);
    expect(events.filter((e) => e.type === 'checkpoint')).toHaveLength(3);
    const record = await deps.jobs.get(job.id);
    expect(record).toMatchObject({ state: 'succeeded', attempts: 1, startEpoch: 0, error: null });
    expect(record?.checkpointIds).toHaveLength(3);
  });

  // Issue 10, finding 11: a resume on another kernel continues and the job records the switch.
  it('a job resumed on another kernel than its checkpoint recorded succeeds and records the switch', async () => {
    const original = getKernel();
    const first = await storeJob(deps.jobs, fx, { epochs: 1 });
    setKernel(typescriptKernel);
    try {
      expect(await runTrainingJob(first.id, testRuntime().runtime, deps)).toBe('succeeded');
    } finally {
      setKernel(original);
    }
    const written = (await deps.jobs.get(first.id))!;
    expect(written.kernelSwitches).toBeUndefined();
    const resumed = await storeJob(deps.jobs, fx, { epochs: 1, resumeFrom: written.checkpointIds.at(-1)! });
    expect(await runTrainingJob(resumed.id, testRuntime().runtime, deps)).toBe('succeeded');
    const record = (await deps.jobs.get(resumed.id))!;
    expect(record.state).toBe('succeeded');
    expect(record.kernelSwitches).toEqual([{ epoch: 1, step: 0, from: { kernel: typescriptKernel.name, threads: 1 }, to: { kernel: original.name, threads: 1 } }]);
    // The native entry of the test matrix: what ran is recorded under the native kernel's own name.
    if (process.env.KERNEL === 'native') expect(original.name).toMatch(/^native-/);
  });

  it('early stopping with restoreBest ends the job early with a final checkpoint holding the best epoch metrics', async () => {
    const job = await storeJob(deps.jobs, fx, {
      epochs: 200, validationSplit: 0.25, checkpointEvery: 1000,
      earlyStopping: { monitor: 'valLoss', patience: 1, minDelta: 10, restoreBest: true },
    });
    const { runtime } = testRuntime();
    expect(await runTrainingJob(job.id, runtime, deps)).toBe('succeeded');
    const record = await deps.jobs.get(job.id);
    expect(record?.history).toHaveLength(2); // minDelta 10 can never be met: stops after patience 1
    const final = await deps.storage.checkpoints.get(record?.checkpointIds.at(-1) as string);
    expect(final.tags).toContain('final');
    expect(final.metrics.valLoss).toBe(record?.history[0].valLoss);
  });

  it('after a crash, resumes from its newest checkpoint even when the record missed it', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 4 });
    // First run: cancelled after its second epoch's checkpoint has been written.
    let checkpoints = 0;
    const first = testRuntime({
      publish: async (event) => {
        if (event.type === 'checkpoint' && ++checkpoints === 2) first.controller.abort('shutdown');
      },
    });
    expect(await runTrainingJob(job.id, first.runtime, deps)).toBe('interrupted');
    // Simulate a crash between writing checkpoint 2 and recording it: the record forgets it and epoch 2.
    const parked = await deps.jobs.get(job.id);
    expect(parked?.state).toBe('queued');
    expect(parked?.attempts).toBe(0); // a shutdown is not a failed attempt
    await deps.jobs.save({ ...parked!, state: 'running', checkpointIds: parked!.checkpointIds.slice(0, 1), history: parked!.history.filter((e) => e.epoch < 2) });

    const second = testRuntime();
    expect(await runTrainingJob(job.id, second.runtime, deps)).toBe('succeeded');
    const done = await deps.jobs.get(job.id);
    expect(done?.attempts).toBe(1);
    expect(done?.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]); // epoch 2's entry came back from its checkpoint
    const epochs = (await deps.storage.checkpoints.all(fx.modelId)).map((c) => c.epoch).sort();
    expect(epochs).toEqual([1, 2, 3, 4]); // epoch 2 was not trained or checkpointed twice
  });

  it('finishes a job whose last epoch was checkpointed before a crash without training again', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 2 });
    expect(await runTrainingJob(job.id, testRuntime().runtime, deps)).toBe('succeeded');
    const record = await deps.jobs.get(job.id);
    await deps.jobs.save({ ...record!, state: 'running', finishedAt: null });
    const again = testRuntime();
    expect(await runTrainingJob(job.id, again.runtime, deps)).toBe('succeeded');
    expect(again.events.filter((e) => e.type === 'epoch')).toEqual([]);
    expect((await deps.storage.checkpoints.all(fx.modelId))).toHaveLength(2);
  });

  it('skips jobs that are finished or unknown', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 1 });
    expect(await runTrainingJob(job.id, testRuntime().runtime, deps)).toBe('succeeded');
    expect(await runTrainingJob(job.id, testRuntime().runtime, deps)).toBe('skipped');
    expect(await runTrainingJob('00000000-0000-4000-8000-000000000000', testRuntime().runtime, deps)).toBe('skipped');
  });

  it('writes nothing once it no longer owns the job (a lapsed lock)', async () => {
    const job = await storeJob(deps.jobs, fx, { epochs: 3 });
    let owned = true;
    const { runtime } = testRuntime({
      assertOwnership: async () => {
        if (!owned) throw new Error('lock lost');
      },
      publish: async (event) => {
        if (event.type === 'epoch') owned = false;
      },
    });
    await expect(runTrainingJob(job.id, runtime, deps)).rejects.toThrow('lock lost');
    expect(await deps.storage.checkpoints.all(fx.modelId)).toEqual([]);
    expect((await deps.jobs.get(job.id))?.state).toBe('running');
  });

  it('over its time limit: stops at the next batch boundary, keeps the work as an interrupted checkpoint and fails TIMEOUT', async () => {
    const limited = { ...deps, limits: { ...NO_LIMITS, timeLimitMs: 60_000 } };
    const job = await storeJob(deps.jobs, fx, { epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 });
    // The limit is a timer: frozen here, and run out by the test once the job has trained a batch.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let ranOut = false;
      const { runtime, events } = testRuntime({
        publish: async (event) => {
          events.push(event);
          if (event.type === 'progress' && !ranOut) {
            ranOut = true;
            vi.advanceTimersByTime(60_000);
          }
        },
      });
      expect(await runTrainingJob(job.id, runtime, limited)).toBe('failed');
      const record = await deps.jobs.get(job.id);
      expect(record).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'TIMEOUT' } });
      const kept = await deps.storage.checkpoints.get(record?.checkpointIds.at(-1) as string);
      expect(kept.tags).toEqual(['interrupted']);
      await expect(deps.storage.checkpoints.readState(kept.id)).resolves.not.toBeNull();
      expect(events.filter((e) => e.type === 'epoch')).toEqual([]); // it stopped within the first epoch
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails with SHAPE_MISMATCH when the model changed under a queued job', async () => {
    const other = await storeFixtures(deps.storage, { input: [3], layers: [{ type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    const job = await storeJob(deps.jobs, { modelId: other.modelId, datasetId: fx.datasetId });
    expect(await runTrainingJob(job.id, testRuntime().runtime, deps)).toBe('failed');
    expect((await deps.jobs.get(job.id))?.error?.code).toBe('SHAPE_MISMATCH');
  });
});
