// The TrainingQueue contract: ONE suite that every implementation (embedded, BullMQ) must pass.
// Each implementation's *.test.ts supplies a harness: a queue whose jobs really run, plus its stores.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent, TrainingQueue } from '../../src/queue/types.js';
import type { Storage } from '../../src/storage/index.js';
import { isTerminal, type JobRecord } from '../../src/storage/job-record.js';
import type { JobStore } from '../../src/storage/job-store.js';
import { DIVERGING, storeDivergingFixtures, storeFixtures, storeJob, waitFor, type Fixtures } from '../helpers/training-fixtures.js';

export interface QueueHarness {
  /** A queue whose workers run at most one job at a time. */
  queue: TrainingQueue;
  storage: Storage;
  jobs: JobStore;
  close(): Promise<void>;
}

/** Listens to a job's events; `done` resolves at its terminal state event. */
async function record(queue: TrainingQueue, jobId: string, afterEventId?: string, replayAll = false) {
  const events: JobEvent[] = [];
  let gap = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const unsubscribe = await queue.subscribe(jobId, (event) => {
    events.push(event);
    if (event.type === 'state' && isTerminal((event.data as JobRecord).state)) finish();
  }, { afterEventId, onGap: () => (gap = true), replayAll });
  return { events, done, unsubscribe, gap: () => gap };
}

/** Runs until cancelled; checkpoints never come due, so a cancel has unsaved work to keep. */
const LONG = { epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 };

export function queueContract(name: string, createHarness: () => Promise<QueueHarness>): void {
  describe(`TrainingQueue contract: ${name}`, () => {
    let h: QueueHarness;
    let fx: Fixtures;
    const job = (id: string) => h.jobs.get(id) as Promise<JobRecord>;
    const finished = (id: string) => waitFor(() => job(id), (j) => isTerminal(j.state));

    beforeEach(async () => {
      h = await createHarness();
      fx = await storeFixtures(h.storage);
    });
    afterEach(async () => {
      await h.close();
    });

    it('answers ping', async () => {
      await expect(h.queue.ping()).resolves.toBeUndefined();
    });

    it('runs a job to success and streams its events in order', async () => {
      const stored = await storeJob(h.jobs, fx, { epochs: 4, validationSplit: 0.25 });
      const listener = await record(h.queue, stored.id);
      await h.queue.enqueue(stored.id);
      await listener.done;
      const final = await job(stored.id);
      expect(final.state).toBe('succeeded');
      expect(final.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
      expect(final.history.at(-1)?.valLoss).toBeTypeOf('number');
      expect(final.progress).toMatchObject({ epoch: 4, epochs: 4, fraction: 1, etaSeconds: 0 });
      expect(final.checkpointIds).toHaveLength(4);
      expect(final.startedAt).not.toBeNull();
      expect(final.finishedAt).not.toBeNull();

      const types = listener.events.map((e) => e.type);
      expect(types[0]).toBe('state');
      expect((listener.events[0].data as JobRecord).state).toBe('running');
      expect(types.at(-1)).toBe('state');
      expect(listener.events.filter((e) => e.type === 'epoch').map((e) => (e.data as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
      expect(types).toContain('progress');
      expect(types).toContain('checkpoint');
      expect(new Set(listener.events.map((e) => e.id)).size).toBe(listener.events.length);
      // the last checkpoint is the final one, and the best tag sits on one of the job's checkpoints
      const checkpoints = await h.storage.checkpoints.all(fx.modelId);
      expect(checkpoints.find((c) => c.tags.includes('final'))?.epoch).toBe(4);
      expect(checkpoints.filter((c) => c.tags.includes('best'))).toHaveLength(1);
      listener.unsubscribe();
    });

    it('runs a job once even when it is enqueued twice', async () => {
      const stored = await storeJob(h.jobs, fx, { epochs: 2 });
      const listener = await record(h.queue, stored.id);
      await h.queue.enqueue(stored.id);
      await h.queue.enqueue(stored.id);
      await listener.done;
      // A second run would be queued ahead of a job enqueued now (one worker, first in first out):
      // once that job has finished, no run of the first one is left to start.
      const later = await storeJob(h.jobs, fx, { epochs: 1 });
      const laterListener = await record(h.queue, later.id);
      await h.queue.enqueue(later.id);
      await laterListener.done;
      const final = await job(stored.id);
      expect(final.attempts).toBe(1);
      expect(final.checkpointIds).toHaveLength(2);
      expect(listener.events.filter((e) => e.type === 'state' && (e.data as JobRecord).state === 'running')).toHaveLength(1);
    });

    it('cancels a running job at a batch boundary and keeps an interrupted checkpoint', async () => {
      const stored = await storeJob(h.jobs, fx, LONG);
      const listener = await record(h.queue, stored.id);
      await h.queue.enqueue(stored.id);
      await waitFor(async () => listener.events, (events) => events.some((e) => e.type === 'progress'));
      await h.queue.cancel(stored.id);
      await listener.done;
      const final = await job(stored.id);
      expect(final.state).toBe('cancelled');
      expect(final.error).toBeNull();
      const last = await h.storage.checkpoints.get(final.checkpointIds.at(-1) as string);
      expect(last.tags).toContain('interrupted');
      expect(await h.storage.checkpoints.readState(last.id)).not.toBeNull();
    });

    it('cancels a queued job before it starts', async () => {
      const blocker = await storeJob(h.jobs, fx, LONG);
      const blockerEvents = await record(h.queue, blocker.id);
      await h.queue.enqueue(blocker.id);
      await waitFor(async () => blockerEvents.events, (events) => events.some((e) => e.type === 'progress'));
      const waiting = await storeJob(h.jobs, fx, { epochs: 2 });
      const listener = await record(h.queue, waiting.id);
      await h.queue.enqueue(waiting.id);
      await h.queue.cancel(waiting.id);
      await listener.done;
      const final = await job(waiting.id);
      expect(final.state).toBe('cancelled');
      expect(final.startedAt).toBeNull();
      expect(final.checkpointIds).toEqual([]);
      await h.queue.cancel(blocker.id);
      await blockerEvents.done;
    });

    it('fails a diverging job with DIVERGED, keeps a diverged checkpoint and does not retry', async () => {
      const stored = await storeJob(h.jobs, await storeDivergingFixtures(h.storage), DIVERGING);
      await h.queue.enqueue(stored.id);
      const final = await finished(stored.id);
      expect(final.state).toBe('failed');
      expect(final.error?.code).toBe('DIVERGED');
      expect(final.attempts).toBe(1);
      const checkpoint = await h.storage.checkpoints.get(final.checkpointIds.at(-1) as string);
      expect(checkpoint.tags).toContain('diverged');
    });

    it('fails a job whose dataset is gone, without retrying', async () => {
      const stored = await storeJob(h.jobs, { ...fx, datasetId: '00000000-0000-4000-8000-000000000000' });
      await h.queue.enqueue(stored.id);
      const final = await finished(stored.id);
      expect(final.state).toBe('failed');
      expect(final.error?.code).toBe('DATASET_NOT_FOUND');
      expect(final.attempts).toBe(1);
    });

    it('resumes from a checkpoint, continuing the epoch count', async () => {
      const first = await storeJob(h.jobs, fx, { epochs: 2 });
      await h.queue.enqueue(first.id);
      const done = await finished(first.id);
      const second = await storeJob(h.jobs, fx, { epochs: 3, resumeFrom: done.checkpointIds.at(-1) as string });
      await h.queue.enqueue(second.id);
      const resumed = await finished(second.id);
      expect(resumed.state).toBe('succeeded');
      expect(resumed.history.map((e) => e.epoch)).toEqual([3, 4, 5]);
      expect(resumed.progress).toMatchObject({ epoch: 5, epochs: 5, fraction: 1 });
    });

    it('replays the events after a given id, and reports a gap for an unknown one', async () => {
      const stored = await storeJob(h.jobs, fx, { epochs: 2 });
      const live = await record(h.queue, stored.id);
      await h.queue.enqueue(stored.id);
      await live.done;
      const replay = await record(h.queue, stored.id, live.events[1].id);
      await replay.done;
      expect(replay.gap()).toBe(false);
      expect(replay.events.map((e) => e.id)).toEqual(live.events.slice(2).map((e) => e.id));
      const unknown = await record(h.queue, stored.id, '12345-0');
      expect(unknown.gap()).toBe(true);
      expect(unknown.events).toEqual([]);
      unknown.unsubscribe();
    });

    it('replays every buffered event with replayAll, and none without it', async () => {
      const stored = await storeJob(h.jobs, fx, { epochs: 2 });
      const live = await record(h.queue, stored.id);
      await h.queue.enqueue(stored.id);
      await live.done;
      const all = await record(h.queue, stored.id, undefined, true);
      expect(all.events.map((e) => e.id)).toEqual(live.events.map((e) => e.id));
      all.unsubscribe();
      const none = await record(h.queue, stored.id);
      expect(none.events).toEqual([]);
      none.unsubscribe();
    });
  });
}
