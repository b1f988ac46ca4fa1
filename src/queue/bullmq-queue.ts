// The distributed training queue, API side: a BullMQ Queue on a fail-fast connection (commands
// reject at once while Redis is down, so the API answers 503 instead of hanging), cancel requests
// as a Redis key plus pub/sub (reaching any worker host), and job events from RedisEventLog.

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { serviceUnavailable } from '../errors.js';
import type { JobStore } from '../storage/job-store.js';
import { ChangeFeed } from '../storage/change-feed.js';
import { ModelStore } from '../storage/model-store.js';
import { SweepStore } from '../storage/sweep-store.js';
import { CANCEL_TTL_SECONDS, cancelChannel, cancelKey, eventsPrefix, sweepLockKey, type BullmqSettings } from './bullmq-names.js';
import type { JobEventLog } from './event-log.js';
import { endJob } from './job-transitions.js';
import { RedisEventLog } from './redis-event-log.js';
import { SweepDriver } from './sweep-driver.js';
import { SweepEventRelay } from './sweep-events.js';
import { RedisSweepLock } from './sweep-lock.js';
import type { JobEvent, SubscribeOptions, TrainingQueue } from './types.js';

export interface BullmqQueueOptions extends BullmqSettings {
  jobs: JobStore;
  maxAttempts: number;
  /** Where sweep records and trial models live (the driver starts trials from here too). */
  dataDir: string;
}

/** A Redis that answers takes milliseconds; anything slower counts as down. */
const REDIS_TIMEOUT_MS = 2000;
/** Finished BullMQ entries are pruned; the job record on disk is the lasting account. */
const KEEP_FINISHED = { age: 24 * 3600, count: 10_000 };

export class BullmqQueue implements TrainingQueue {
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly queue: Queue;
  private readonly events: JobEventLog;
  private readonly sweeps: SweepStore;
  private driver: SweepDriver | null = null;
  private reconcileTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BullmqQueueOptions) {
    const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: REDIS_TIMEOUT_MS, lazyConnect: false };
    this.client = new Redis(options.redisUrl, failFast);
    this.subscriber = new Redis(options.redisUrl, failFast);
    // Connection errors surface through failed commands (503); unhandled 'error' events would crash.
    this.client.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.queue = new Queue(options.queueName, { connection: this.client, prefix: options.prefix });
    this.queue.on('error', () => undefined);
    this.sweeps = new SweepStore(options.dataDir);
    const log = new RedisEventLog(this.client, this.subscriber, eventsPrefix(options));
    this.events = new SweepEventRelay(log, this.sweeps, (sweepId) => void this.advanceSweep(sweepId));
  }

  /**
   * Drives sweeps from this process too: unfinished ones at once (an API restart loses none), then
   * periodically as a safety net behind the workers, which start the next trial when one ends.
   */
  async startSweeps(reconcileMs: number, onError?: (err: unknown) => void): Promise<void> {
    this.driver = new SweepDriver({
      sweeps: this.sweeps, jobs: this.options.jobs, models: await ModelStore.open(this.options.dataDir, new ChangeFeed(this.options.dataDir)), events: this.events,
      lock: new RedisSweepLock(this.client, (sweepId) => sweepLockKey(this.options, sweepId)),
      enqueue: (jobId) => this.enqueue(jobId), cancel: (jobId) => this.cancel(jobId), onError,
    });
    void this.driver.reconcile();
    this.reconcileTimer = setInterval(() => void this.driver?.reconcile(), reconcileMs).unref();
  }

  async enqueue(jobId: string): Promise<void> {
    this.assertConnected();
    await unavailableOnFailure(addTrainingJob(this.queue, jobId, this.options.maxAttempts));
  }

  async advanceSweep(sweepId: string): Promise<void> {
    await this.driver?.advance(sweepId);
  }

  async cancelSweep(sweepId: string): Promise<boolean> {
    this.assertConnected();
    if (!this.driver) throw serviceUnavailable('QUEUE_UNAVAILABLE', 'this queue does not drive sweeps');
    return unavailableOnFailure(this.driver.cancel(sweepId), 30_000);
  }

  async cancel(jobId: string): Promise<void> {
    await unavailableOnFailure(
      this.client.multi()
        .set(cancelKey(this.options, jobId), '1', 'EX', CANCEL_TTL_SECONDS)
        .publish(cancelChannel(this.options), jobId)
        .exec(),
    );
    const job = await unavailableOnFailure(this.queue.getJob(jobId));
    const state = job ? await unavailableOnFailure(job.getState()) : 'unknown';
    if (state === 'active' || state === 'completed' || state === 'failed') return; // the worker ends it
    // remove() refuses a job a worker has just locked; that worker then sees the cancel key.
    const removed = job ? await job.remove().then(() => true, () => false) : true;
    if (removed) await endJob(this.options.jobs, this.events, jobId, 'cancelled', null);
  }

  async subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void> {
    this.assertConnected();
    return unavailableOnFailure(this.events.subscribe(jobId, listener, options));
  }

  async ping(): Promise<void> {
    await unavailableOnFailure(this.client.ping());
  }

  /** Waits (up to `timeoutMs`) for the first connection, so a fresh API does not answer 503 needlessly. */
  async connected(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.client.status !== 'ready' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.client.status === 'ready';
  }

  /** BullMQ waits for a connection to come back; the API must not, so it checks first. */
  private assertConnected(): void {
    if (this.client.status !== 'ready') {
      throw serviceUnavailable('QUEUE_UNAVAILABLE', `the training queue is unavailable: Redis connection is ${this.client.status}`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.reconcileTimer);
    await this.events.close();
    await this.queue.close().catch(() => undefined);
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}

/** Any Redis failure or slowness becomes 503 QUEUE_UNAVAILABLE (with Retry-After). */
async function unavailableOnFailure<T>(work: Promise<T>, timeoutMs = REDIS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer in time')), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    throw serviceUnavailable('QUEUE_UNAVAILABLE', `the training queue is unavailable: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds the BullMQ job of a job record: the API's enqueue and a worker's sweep driver share it. */
export function addTrainingJob(queue: Queue, jobId: string, maxAttempts: number): Promise<unknown> {
  return queue.add('train', { jobId }, {
    jobId, // one BullMQ job per job record, however often enqueue is called
    attempts: maxAttempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: KEEP_FINISHED,
    removeOnFail: KEEP_FINISHED,
  });
}
