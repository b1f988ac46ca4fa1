// The embedded training queue: FIFO in memory, persisted through the job records themselves (a job
// is queued or running on disk until it ends), run on a pool of training threads. On start it
// re-queues every unfinished job; one that was running resumes from its last checkpoint.

import { serviceUnavailable } from '../errors.js';
import type { JobStore } from '../storage/job-store.js';
import { ChangeFeed } from '../storage/change-feed.js';
import { ModelStore } from '../storage/model-store.js';
import { SweepStore } from '../storage/sweep-store.js';
import type { JobLimits, JobOutcome } from '../training/runtime.js';
import { endJob } from './job-transitions.js';
import type { JobEventLog } from './event-log.js';
import { MemoryEventLog } from './memory-event-log.js';
import { SweepDriver } from './sweep-driver.js';
import { SweepEventRelay } from './sweep-events.js';
import { ProcessSweepLock } from './sweep-lock.js';
import { TrainingThreads, type ThreadFailure } from './training-threads.js';
import type { JobEvent, SubscribeOptions, TrainingQueue } from './types.js';

export interface EmbeddedQueueOptions {
  jobs: JobStore;
  dataDir: string;
  limits: JobLimits;
  concurrency: number;
  /** V8 old-generation heap of each training thread in MiB (0 = Node's default). */
  threadHeapMb?: number;
  /** Nice value of the training threads (thread-priority.ts; 0 or absent: the process's own). */
  threadNice?: number;
  /** Runs of a job (crashes and transient errors included) before it fails for good. */
  maxAttempts: number;
  /** How long close() waits for running jobs to checkpoint. */
  shutdownGraceMs: number;
  onError?: (err: unknown, jobId: string) => void;
}

/** A safety net: trials start when one ends (event-driven); this catches anything that slipped. */
const SWEEP_RECONCILE_MS = 5000;

export class EmbeddedQueue implements TrainingQueue {
  private readonly pending: string[] = [];
  private readonly events: JobEventLog;
  private readonly threads: TrainingThreads;
  private readonly sweeps: SweepStore;
  private driver: SweepDriver | null = null;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** Failed runs counted here too: a thread may die before the processor records its attempt. */
  private readonly failedRuns = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: EmbeddedQueueOptions) {
    this.sweeps = new SweepStore(options.dataDir);
    this.events = new SweepEventRelay(new MemoryEventLog(), this.sweeps, (sweepId) => void this.advanceSweep(sweepId));
    this.threads = new TrainingThreads(options.concurrency, { dataDir: options.dataDir, limits: options.limits, nice: options.threadNice ?? 0 }, options.threadHeapMb ?? 0, {
      onEvent: (event) => void this.events.publish(event),
      onDone: (jobId, outcome) => this.onDone(jobId, outcome),
      onFailure: (jobId, failure) => void this.onFailure(jobId, failure).catch((err) => this.options.onError?.(err, jobId)),
    });
  }

  /** Re-queues what a previous process left unfinished, oldest first. */
  async start(): Promise<void> {
    for (const job of await this.options.jobs.unfinished()) {
      if (job.state === 'running' && job.attempts >= this.options.maxAttempts) {
        await endJob(this.options.jobs, this.events, job.id, 'failed', {
          code: 'WORKER_CRASHED', message: `the job stopped its process ${job.attempts} times`,
        });
      } else {
        this.pending.push(job.id);
      }
    }
    this.pump();
    this.driver = new SweepDriver({
      sweeps: this.sweeps, jobs: this.options.jobs, models: await ModelStore.open(this.options.dataDir, new ChangeFeed(this.options.dataDir)), events: this.events,
      lock: new ProcessSweepLock(), enqueue: (jobId) => this.enqueue(jobId), cancel: (jobId) => this.cancel(jobId),
      onError: (err, sweepId) => this.options.onError?.(err, sweepId),
    });
    await this.driver.reconcile();
    this.reconcileTimer = setInterval(() => void this.driver?.reconcile(), SWEEP_RECONCILE_MS).unref();
  }

  async advanceSweep(sweepId: string): Promise<void> {
    if (!this.closed) await this.driver?.advance(sweepId);
  }

  async cancelSweep(sweepId: string): Promise<boolean> {
    if (!this.driver || this.closed) throw serviceUnavailable('QUEUE_UNAVAILABLE', 'the training queue is shutting down');
    return this.driver.cancel(sweepId);
  }

  async enqueue(jobId: string): Promise<void> {
    if (this.closed) throw serviceUnavailable('QUEUE_UNAVAILABLE', 'the training queue is shutting down');
    if (!this.pending.includes(jobId) && !this.threads.running.includes(jobId)) this.pending.push(jobId);
    this.pump();
  }

  async cancel(jobId: string): Promise<void> {
    if (this.threads.stop(jobId, 'cancel')) return;
    const at = this.pending.indexOf(jobId);
    if (at >= 0) this.pending.splice(at, 1);
    // Not running here: a queued record is cancelled now, and a run that starts later skips it.
    await endJob(this.options.jobs, this.events, jobId, 'cancelled', null);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void> {
    return this.events.subscribe(jobId, listener, options);
  }

  async ping(): Promise<void> {
    if (this.closed) throw serviceUnavailable('QUEUE_UNAVAILABLE', 'the training queue is shutting down');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reconcileTimer);
    this.pending.length = 0;
    await this.threads.close(this.options.shutdownGraceMs);
    await this.events.close();
  }

  private pump(): void {
    while (!this.closed && this.threads.free > 0 && this.pending.length > 0) {
      this.threads.run(this.pending.shift() as string);
    }
  }

  private onDone(jobId: string, _outcome: JobOutcome): void {
    this.failedRuns.delete(jobId);
    this.pump();
  }

  private async onFailure(jobId: string, failure: ThreadFailure): Promise<void> {
    if (this.closed) return; // the record stays unfinished and the job runs again after the restart
    const runs = (this.failedRuns.get(jobId) ?? 0) + 1;
    this.failedRuns.set(jobId, runs);
    const job = await this.options.jobs.get(jobId);
    const attempts = Math.max(runs, job?.attempts ?? 0);
    // Running out of memory repeats on every attempt; other failures may be transient.
    if (failure.code !== 'RESOURCE_EXHAUSTED' && attempts < this.options.maxAttempts) {
      this.pending.push(jobId);
    } else {
      this.failedRuns.delete(jobId);
      await endJob(this.options.jobs, this.events, jobId, 'failed', failure);
    }
    this.pump();
  }
}
