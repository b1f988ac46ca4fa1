// Messages between the embedded queue's main thread and its training threads.

import type { ThreadMemory } from '../thread-memory.js';
import type { JobEventInput, JobLimits, JobOutcome, StopReason } from './runtime.js';

export interface TrainingThreadData {
  dataDir: string;
  limits: JobLimits;
  /** Nice value the thread sets for itself (thread-priority.ts). */
  nice: number;
}

export type ThreadRequest =
  | { type: 'run'; jobId: string }
  | { type: 'stop'; jobId: string; reason: StopReason };

export type ThreadResponse =
  | { type: 'event'; event: JobEventInput }
  | { type: 'done'; jobId: string; outcome: JobOutcome; memory: ThreadMemory }
  /** The processor threw something retrying may fix (I/O, a bug); the queue decides about retries. */
  | { type: 'error'; jobId: string; message: string; memory: ThreadMemory };
