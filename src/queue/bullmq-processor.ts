// BullMQ's sandboxed processor (loaded compiled, in a worker thread, by bullmq-worker.ts): adapts a
// BullMQ job to the training processor. Stops on BullMQ's abort signal (local cancel, shutdown) and
// on the Redis cancel key (cancel from any host); checks the job lock before every write.

import { DelayedError, UnrecoverableError, type SandboxedJob } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { workerData } from 'node:worker_threads';
import { useConfiguredKernel } from '../native/select-kernel.js';
import { openTrainingDeps, runTrainingJob, type TrainingDeps } from '../training/run-job.js';
import type { JobRuntime, StopReason } from '../training/runtime.js';
import { lowerThisThreadPriority } from '../training/thread-priority.js';
import { cancelKey, eventsPrefix, lockKey, type BullmqThreadData } from './bullmq-names.js';
import { endJob } from './job-transitions.js';
import { RedisEventLog } from './redis-event-log.js';
import type { JobEventLog } from './event-log.js';
import { SweepEventRelay } from './sweep-events.js';
import { SweepStore } from '../storage/sweep-store.js';

useConfiguredKernel();
const settings = workerData as BullmqThreadData;
lowerThisThreadPriority(settings.nice ?? 0);
/** How often a running job looks at its cancel key (pub/sub also aborts it at once via BullMQ). */
const CANCEL_POLL_MS = 500;
const LOCK_RETRY_MS = 250;

let shared: { redis: Redis; events: JobEventLog; deps: Promise<TrainingDeps> } | null = null;

function threadState() {
  if (!shared) {
    const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined); // failed commands surface where they are awaited
    // Trial jobs also tell their sweep's stream (the worker's main thread starts the next trial).
    const events = new SweepEventRelay(new RedisEventLog(redis, null, eventsPrefix(settings)), new SweepStore(settings.dataDir));
    shared = { redis, events, deps: openTrainingDeps(settings.dataDir, settings.limits) };
  }
  return shared;
}

/**
 * Throws unless this worker's token still holds the job's lock. A Redis outage is waited out for up
 * to one lock duration (a lock cannot outlive that unrenewed); after it, the check fails closed: a
 * worker that cannot prove it owns the job writes nothing.
 */
async function assertLockHeld(redis: Redis, key: string, token: string | undefined, jobId: string): Promise<void> {
  if (!token) return;
  const deadline = Date.now() + settings.lockMs;
  for (;;) {
    let holder: string | null;
    try {
      holder = await redis.get(key);
    } catch (err) {
      if (Date.now() >= deadline) throw new Error(`job ${jobId}: cannot confirm this worker still holds its lock (${(err as Error).message}); not writing`);
      await sleep(LOCK_RETRY_MS);
      continue;
    }
    if (holder !== token) throw new Error(`job ${jobId}: this worker no longer holds its lock; not writing`);
    return;
  }
}

export default async function processTrainingJob(job: SandboxedJob<{ jobId: string }>, token?: string, signal?: AbortSignal): Promise<string> {
  const { redis, events, deps } = threadState();
  const { jobId } = job.data;
  const jobs = (await deps).jobs;
  if (await redis.exists(cancelKey(settings, jobId))) {
    await endJob(jobs, events, jobId, 'cancelled', null);
    return 'cancelled';
  }
  const controller = new AbortController();
  const stop = (reason: StopReason) => controller.abort(reason);
  signal?.addEventListener('abort', () => stop(signal.reason === 'shutdown' ? 'shutdown' : 'cancel'), { once: true });
  let lastPoll = Date.now();
  const runtime: JobRuntime = {
    signal: controller.signal,
    // Events are a live view; the job record stays the truth, so a lost event must not fail training.
    publish: (event) => events.publish(event).then(() => undefined, () => undefined),
    tick: async () => {
      await yieldToEventLoop();
      if (Date.now() - lastPoll < CANCEL_POLL_MS) return;
      lastPoll = Date.now();
      if (await redis.exists(cancelKey(settings, jobId)).catch(() => 0)) stop('cancel');
    },
    assertOwnership: () => assertLockHeld(redis, lockKey(settings, String(job.id)), token, jobId),
  };
  const outcome = await runTrainingJob(jobId, runtime, await deps);
  if (outcome === 'failed') {
    const record = await jobs.get(jobId);
    throw new UnrecoverableError(record?.error?.message ?? 'training failed');
  }
  if (outcome === 'interrupted') {
    // Shutdown: straight back to the queue without spending an attempt (BullMQ's DelayedError).
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
  return outcome;
}
