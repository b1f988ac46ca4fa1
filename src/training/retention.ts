// Checkpoint retention (CHECKPOINT_RETENTION_LAST): after each checkpoint a job keeps its newest N,
// and never deletes one tagged best, final or diverged, one a label points at, nor one a queued or
// running job resumes from.

import type { CheckpointTag, Storage } from '../storage/index.js';
import type { JobStore } from '../storage/job-store.js';

const ALWAYS_KEPT: ReadonlySet<CheckpointTag> = new Set(['best', 'final', 'diverged', 'imported']);

/**
 * Deletes the job's checkpoints beyond its newest `keepLast` (0 = keep all) and returns their ids.
 * Each goes record first, then files (CheckpointStore.delete), so a listed checkpoint is always whole.
 */
export async function pruneCheckpoints(storage: Storage, jobs: JobStore, job: { id: string; modelId: string }, keepLast: number): Promise<string[]> {
  if (keepLast <= 0) return [];
  const own = (await storage.checkpoints.all(job.modelId)).filter((c) => c.jobId === job.id); // newest first
  const candidates = own.slice(keepLast).filter((c) => !c.tags.some((tag) => ALWAYS_KEPT.has(tag)));
  if (candidates.length === 0) return [];
  const resumedFrom = new Set((await jobs.unfinished()).map((j) => j.config.resumeFrom));
  const labelled = new Set((await storage.labels.all(job.modelId)).map((l) => l.checkpointId));
  const doomed = candidates.filter((c) => !resumedFrom.has(c.id) && !labelled.has(c.id));
  for (const checkpoint of doomed) await storage.checkpoints.delete(checkpoint.id);
  return doomed.map((c) => c.id);
}
