// The training queue interface. Two implementations: in-process (embedded mode) and BullMQ
// (distributed mode); both pass one contract test suite. The API only ever sees this interface.

import type { JobEventInput } from '../training/runtime.js';

// Events are made by the training run, so their type lives with it; the queue carries them.
export type { JobEventInput, JobEventType } from '../training/runtime.js';

/** A published event. `id` increases per job; SSE sends it so `Last-Event-ID` can resume. */
export interface JobEvent extends JobEventInput {
  id: string;
}

export interface SubscribeOptions {
  /**
   * Replay the events published after this id before live ones. When the id is unknown or has
   * aged out of the replay buffer, `onGap` is called first so the caller can send a snapshot.
   */
  afterEventId?: string;
  onGap?: () => void;
  /**
   * Replay every event still in the buffer before live ones (ignored with `afterEventId`): a fresh
   * stream folds them into its snapshot, whose record may lag the events by a few seconds.
   */
  replayAll?: boolean;
}

export interface TrainingQueue {
  /** Enqueue a job whose record is already stored. Rejects with a QUEUE_UNAVAILABLE error when the backend is down. */
  enqueue(jobId: string): Promise<void>;
  /**
   * Ask the job to stop, wherever it runs (any worker host). A queued job is cancelled at once
   * (state `cancelled`); a running one stops at its next batch boundary and checkpoints.
   */
  cancel(jobId: string): Promise<void>;
  /** Live events of one job; resolves to an unsubscribe function once the subscription is active. */
  subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void>;
  /**
   * Starts a sweep's next trials (up to its parallelism) and ends it when every trial has ended.
   * Idempotent; the queue also calls it itself when a trial ends and periodically.
   */
  advanceSweep(sweepId: string): Promise<void>;
  /** Cancels a sweep and its unfinished trials; resolves false when it had already ended. */
  cancelSweep(sweepId: string): Promise<boolean>;
  /** Resolves when the backend answers; rejects otherwise (readiness, fail-fast 503s). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
