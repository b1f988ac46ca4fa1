// A training job as the service records it: states, complete config, progress, history and errors,
// plus the pure transitions every writer shares. JobStore (job-store.ts) persists these records.

import type { EarlyStoppingConfig, EpochMetrics, KernelSwitch, LrScheduleConfig, OptimizerConfig } from '../engine/index.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** The engine's early-stopping config as a job stores it: every default filled in. */
export type EarlyStoppingSettings = Required<EarlyStoppingConfig>;

/** The training configuration of a job: the POST /v1/jobs body with every default filled in. */
export interface JobConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** Absent in jobs recorded before schedules existed: none. */
  lrSchedule?: LrScheduleConfig | null;
  /** Absent in jobs recorded before clipping existed: none. */
  clipGradNorm?: number | null;
  validationSplit: number;
  validationDatasetId: string | null;
  seed: number;
  shuffle: boolean;
  earlyStopping: EarlyStoppingSettings | null;
  checkpointEvery: number;
  resumeFrom: string | null;
}

export interface JobProgress {
  /** Epoch in progress, counted like the trainer counts (a resumed job continues the count). */
  epoch: number;
  /** Epoch count at which this job ends. */
  epochs: number;
  step: number;
  steps: number;
  /** Share of this job's work done, 0..1. */
  fraction: number;
  samplesPerSecond: number | null;
  etaSeconds: number | null;
}

/** A history entry is the engine's per-epoch metrics, stored as they are. */
export type JobHistoryEntry = EpochMetrics;

export interface JobError {
  code: string;
  message: string;
}

/** The stored job. The API serves all of it but the bookkeeping at the end (src/api/routes/jobs/resource.ts). */
export interface JobRecord {
  id: string;
  modelId: string;
  datasetId: string;
  state: JobState;
  config: JobConfig;
  progress: JobProgress;
  history: JobHistoryEntry[];
  checkpointIds: string[];
  error: JobError | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** How many times a worker started this job (restarts and retries included). */
  attempts: number;
  idempotencyKey: string | null;
  /** Trainer epoch when the job first started; lets a restarted job know how many epochs remain. */
  startEpoch: number | null;
  updatedAt: string;
  /** Who submitted it (src/api/client-key.ts), for MAX_ACTIVE_JOBS_PER_CLIENT; absent on older records. */
  clientKey?: string | null;
  /**
   * A `resumeFrom` job that sent its own optimizer or lrSchedule: the schedule starts afresh from the
   * base rate instead of continuing the checkpoint's (API.md). Absent: false.
   */
  restartSchedule?: boolean;
  /**
   * Resumes that continued on another kernel or thread count than their checkpoint recorded (issue 10,
   * finding 11: the run goes on but is no longer bit-identical to an uninterrupted one). Over the
   * whole checkpoint chain; absent when there was none.
   */
  kernelSwitches?: KernelSwitch[];
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The record in a terminal state. A success completes the progress; other ends leave it where it stopped. */
export function finishedRecord(job: JobRecord, state: 'succeeded' | 'failed' | 'cancelled', error: JobError | null): JobRecord {
  const progress = state === 'succeeded' ? { ...job.progress, fraction: 1, etaSeconds: 0 } : job.progress;
  return { ...job, state, error, progress, finishedAt: new Date().toISOString() };
}

export function initialProgress(config: JobConfig): JobProgress {
  return { epoch: 0, epochs: config.epochs, step: 0, steps: 0, fraction: 0, samplesPerSecond: null, etaSeconds: null };
}
