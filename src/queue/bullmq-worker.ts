// The distributed training worker: a BullMQ Worker running bullmq-processor.js sandboxed in worker
// threads (CPU-bound training never blocks lock renewal), cancel requests relayed from pub/sub, and
// the job record failed once BullMQ gives up on a job.

import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { compiledFile } from '../compiled-path.js';
import { JobStore } from '../storage/job-store.js';
import { cancelChannel, eventsPrefix, type BullmqThreadData } from './bullmq-names.js';
import { endJob } from './job-transitions.js';
import { RedisEventLog } from './redis-event-log.js';
import { threadResourceLimits } from './training-threads.js';

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
  const events = new RedisEventLog(connection, null, eventsPrefix(options));
  const threadData: BullmqThreadData = {
    redisUrl: options.redisUrl, prefix: options.prefix, queueName: options.queueName, dataDir: options.dataDir, limits: options.limits,
    lockMs: options.lockMs,
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

  // A cancel published by any API process: abort the job here if this worker runs it.
  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === cancelChannel(options)) worker.cancelJob(jobId, 'cancel');
  });
  await subscriber.subscribe(cancelChannel(options));
  await worker.waitUntilReady();

  return {
    async close() {
      worker.cancelAllJobs('shutdown');
      await worker.close();
      subscriber.disconnect();
      connection.disconnect();
    },
  };
}
