// Where job events go between producer (training processor, queue) and consumers (SSE streams).
// Both implementations keep a bounded per-job replay buffer so `Last-Event-ID` can resume.

import type { JobEvent, JobEventInput, SubscribeOptions } from './types.js';

export interface JobEventLog {
  publish(event: JobEventInput): Promise<JobEvent>;
  subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * Events kept per job for replay. Progress goes out at most twice a second, so this covers minutes
 * of a job with long epochs; jobs with very short epochs (many epoch events a second) cover less, and
 * a reconnect past the buffer gets a fresh snapshot instead.
 */
export const REPLAY_EVENTS_PER_JOB = 1000;
