// Redis names the distributed queue's API side, workers and sandboxed processors all agree on.

import type { JobLimits } from '../training/runtime.js';

export interface BullmqSettings {
  redisUrl: string;
  /** BullMQ key prefix; also prefixes our own keys so tests can use a private namespace. */
  prefix: string;
  queueName: string;
}

/** Thread data of a sandboxed processor: threads cannot share the worker's objects, only settings. */
export interface BullmqThreadData extends BullmqSettings {
  dataDir: string;
  limits: JobLimits;
  /** The job lock's duration (JOB_LOCK_MS): how long an ownership check may wait out a Redis outage. */
  lockMs: number;
  /** Nice value of the sandbox threads (TRAINING_THREAD_NICE; absent or 0: the process's own). */
  nice?: number;
}

export const cancelKey = (s: BullmqSettings, jobId: string): string => `${s.prefix}:${s.queueName}:cancel:${jobId}`;
export const cancelChannel = (s: BullmqSettings): string => `${s.prefix}:${s.queueName}:cancel`;
export const eventsPrefix = (s: BullmqSettings): string => `${s.prefix}:${s.queueName}`;
/** The lease one sweep driver holds while it advances a sweep (sweep-lock.ts). */
export const sweepLockKey = (s: BullmqSettings, sweepId: string): string => `${s.prefix}:${s.queueName}:sweep-lock:${sweepId}`;
/** BullMQ's own lock key of an active job: holds the token of the worker that owns it. */
export const lockKey = (s: BullmqSettings, jobId: string): string => `${s.prefix}:${s.queueName}:${jobId}:lock`;

/** A cancel request outlives the job's queue entry briefly, for workers that pick it up late. */
export const CANCEL_TTL_SECONDS = 7 * 24 * 3600;
