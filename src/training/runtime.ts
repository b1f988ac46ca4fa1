// What the training processor needs from whoever runs it (an embedded pool thread or a BullMQ
// sandbox): a stop signal, an event sink and the events it takes, a yield point, and an ownership
// check before writes; plus the limits every run enforces and how a run ends.

import type { Config } from '../config.js';
import { DEFAULT_LIMITS, type ModelLimits } from '../engine/index.js';

/** `trial` goes out on a sweep's stream (keyed by the sweep id): a trial's view changed (src/queue/sweep-events.ts). */
export type JobEventType = 'progress' | 'epoch' | 'checkpoint' | 'state' | 'trial';

/**
 * What a run publishes (the queue publishes `state` events too, when it ends a job itself). `data`:
 * `progress` the record's JobProgress, `epoch` the engine's EpochMetrics, `checkpoint` the new
 * CheckpointRecord, `state` the whole JobRecord (the API presents it as the job resource).
 */
export interface JobEventInput {
  type: JobEventType;
  jobId: string;
  data: unknown;
}

/**
 * Why a job is asked to stop. `cancel`: the user cancelled; `shutdown`: the worker is going away and
 * the job goes back to the queue; `timeout`: the job ran past its time limit.
 */
export type StopReason = 'cancel' | 'shutdown' | 'timeout';

export interface JobRuntime {
  /** Aborted with a StopReason as its reason. */
  signal: AbortSignal;
  publish(event: JobEventInput): Promise<void>;
  /**
   * Called between batches every ~100 ms. Yields to the event loop so stop messages can arrive
   * (fit never yields by itself) and may poll a remote cancel flag.
   */
  tick(): Promise<void>;
  /** Throws when this worker no longer owns the job (its lock lapsed); checked before every write. */
  assertOwnership(): Promise<void>;
}

/** Limits every run enforces (JOB_TIME_LIMIT_MS, JOB_MAX_ACTIVATION_BYTES, the model caps). */
export interface JobLimits {
  /** From the job's first start; 0 = none. */
  timeLimitMs: number;
  maxActivationBytes: number;
  /** The same caps models were created under (MAX_MODEL_PARAMS, ...), so a valid model also trains. */
  model: ModelLimits;
  /** Newest checkpoints a job keeps besides its best, final and diverged ones (CHECKPOINT_RETENTION_LAST; 0 = all). */
  keepLastCheckpoints: number;
}

export const NO_LIMITS: JobLimits = { timeLimitMs: 0, maxActivationBytes: Number.MAX_SAFE_INTEGER, model: DEFAULT_LIMITS, keepLastCheckpoints: 0 };

export function jobLimits(config: Pick<Config, 'jobLimits' | 'engineLimits' | 'checkpointRetentionLast'>): JobLimits {
  return { ...config.jobLimits, model: config.engineLimits, keepLastCheckpoints: config.checkpointRetentionLast };
}

/** What a run ended with, for the queue: `interrupted` goes back to the queue, `skipped` had nothing to do. */
export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'skipped';

export function stopReason(signal: AbortSignal): StopReason {
  const reason: unknown = signal.reason;
  return reason === 'shutdown' || reason === 'timeout' ? reason : 'cancel';
}
