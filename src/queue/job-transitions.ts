// State changes a queue makes itself, outside the processor: cancelling a job that never started,
// failing one whose worker crashed too often. Both write the record, then announce the new state.

import { finishedRecord, isTerminal, type JobError } from '../storage/job-record.js';
import type { JobStore } from '../storage/job-store.js';
import type { JobEventLog } from './event-log.js';

/** Returns false when the job is unknown or already finished (nothing changed). */
export async function endJob(
  jobs: JobStore, events: JobEventLog, jobId: string, state: 'failed' | 'cancelled', error: JobError | null,
): Promise<boolean> {
  const job = await jobs.get(jobId);
  if (!job || isTerminal(job.state)) return false;
  const ended = finishedRecord(job, state, error);
  await jobs.save(ended);
  await events.publish({ type: 'state', jobId, data: ended });
  return true;
}
