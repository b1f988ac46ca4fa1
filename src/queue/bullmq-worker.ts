// The distributed training worker: a BullMQ Worker running bullmq-processor.js sandboxed in worker
// threads (CPU-bound training never blocks lock renewal), cancel requests relayed from pub/sub, and
// the job record failed once BullMQ gives up on a job.

import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { compiledFile } from '../compiled-path.js';
import { JobStore } from '../storage/job-store.js';
import { ChangeFeed } from '../storage/change-feed.js';
import { ModelStore } from '../storage/model-store.js';
import { SweepStore } from '../storage/sweep-store.js';
import { CANCEL_TTL_SECONDS, cancelChannel, cancelKey, eventsPrefix, sweepLockKey, type BullmqThreadData } from './bullmq-names.js';
import { addTrainingJob } from './bullmq-queue.js';
import { endJob } from './job-transitions.js';
import { RedisEventLog } from './redis-event-log.js';
import { SweepDriver } from './sweep-driver.js';
import { SweepEventRelay } from './sweep-events.js';
import { RedisSweepLock } from './sweep-lock.js';
import { threadResourceLimits } from './training-threads.js';

const SWEEP_RECONCILE_MS = 5000;

export interface TrainingWorkerOptions extends BullmqThreadData {
  concurrency: number;
  /** V8 old-generation heap of each sandbox thread in MiB (0 = Node's default). */
  threadHeapMb?: number;
  /** Times a job may lose its worker (stalled: killed, frozen) before it fails. */
  maxStalls: number;
  onError?: (err: unknown) => void;
}

export interface TrainingWorker {
  /** Checkpoints running jobs back into the queue, then stops (BullMQ's graceful close). */
  close(): Promise<void>;
}

export async function startTrainingWorker(options: TrainingWorkerOptions): Promise<TrainingWorker> {
  const onError = options.onError ?? (() => undefined);
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null so they wait out outages.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', onError);
  subscriber.on('error', onError);
  const jobs = new JobStore(options.dataDir);
  await jobs.init();
  const sweeps = new SweepStore(options.dataDir);
  // A worker that ends a trial starts the sweep's next one at once, with no API process involved.
  const trialQueue = new Queue(options.queueName, { connection, prefix: options.prefix });
  trialQueue.on('error', onError);
  const driver = new SweepDriver({
    sweeps, jobs, models: await ModelStore.open(options.dataDir, new ChangeFeed(options.dataDir)), events: new RedisEventLog(connection, null, eventsPrefix(options)),
    lock: new RedisSweepLock(connection, (sweepId) => sweepLockKey(options, sweepId)),
    enqueue: (jobId) => addTrainingJob(trialQueue, jobId, options.maxStalls + 1).then(() => undefined),
    cancel: async (jobId) => void (await connection.multi().set(cancelKey(options, jobId), '1', 'EX', CANCEL_TTL_SECONDS).publish(cancelChannel(options), jobId).exec()),
    onError,
  });
  const advanceSweepOf = (job: Job | undefined) => {
    const jobId = (job?.data as { jobId?: string } | undefined)?.jobId;
    if (!jobId) return;
    void jobs.get(jobId).then((record) => (record?.sweepId ? driver.advance(record.sweepId) : undefined)).catch(onError);
  };
  const events = new SweepEventRelay(new RedisEventLog(connection, null, eventsPrefix(options)), sweeps, (sweepId) => void driver.advance(sweepId));
  const threadData: BullmqThreadData = {
    redisUrl: options.redisUrl, prefix: options.prefix, queueName: options.queueName, dataDir: options.dataDir, limits: options.limits,
    lockMs: options.lockMs, nice: options.nice,
  };

  const worker = new Worker(options.queueName, compiledFile(import.meta.url, './bullmq-processor.js'), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    useWorkerThreads: true,
    workerThreadsOptions: { workerData: threadData, resourceLimits: threadResourceLimits(options.threadHeapMb ?? 0) },
    maxStalledCount: options.maxStalls,
    // A killed worker's lock lapses after lockDuration; the next stalled check (any worker) re-queues
    // its job, which then resumes from its last checkpoint. Both default to BullMQ's 30 s.
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
  });
  worker.on('error', onError);
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
    if (!final) return;
    // The processor already recorded its own failures (endJob is then a no-op); this covers crashes.
    // Stalled: the worker process died; "Unexpected exit code": BullMQ's sandbox thread died (out of heap, a crash).
    const code = /stalled|unexpected exit code/i.test(err.message) ? 'WORKER_CRASHED' : 'PROCESSOR_ERROR';
    endJob(jobs, events, (job.data as { jobId: string }).jobId, 'failed', { code, message: err.message }).catch(onError);
  });
  worker.on('completed', (job: Job) => advanceSweepOf(job));
  worker.on('failed', (job: Job | undefined) => advanceSweepOf(job));

  // A cancel published by any API process: abort the job here if this worker runs it.
  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === cancelChannel(options)) worker.cancelJob(jobId, 'cancel');
  });
  await subscriber.subscribe(cancelChannel(options));
  await worker.waitUntilReady();
  void driver.reconcile();
  // A safety net behind the event-driven starts: a worker keeps sweeps going with no API process up.
  const reconcileTimer = setInterval(() => void driver.reconcile(), SWEEP_RECONCILE_MS).unref();

  return {
    async close() {
      clearInterval(reconcileTimer);
      worker.cancelAllJobs('shutdown');
      await worker.close();
      await trialQueue.close().catch(() => undefined);
      subscriber.disconnect();
      connection.disconnect();
    },
  };
}
