// The sweep resource of API.md, from the view derived from a sweep record and its trial jobs
// (storage/sweep-record.ts). `best.checkpointId` is the best trial's checkpoint of its best epoch,
// else its latest (retention or checkpointEvery may have left none at that epoch).

import type { CheckpointStore } from '../../../storage/checkpoint-store.js';
import type { JobStore } from '../../../storage/job-store.js';
import { sweepView, type SweepRecord, type SweepView } from '../../../storage/sweep-record.js';

export type SweepResource = Omit<SweepView, 'best'> & {
  best: { index: number; modelId: string; jobId: string; checkpointId: string | null; metric: number } | null;
};

export async function toSweepResource(view: SweepView, checkpoints: CheckpointStore): Promise<SweepResource> {
  if (!view.best) return { ...view, best: null };
  const { epoch, ...best } = view.best;
  const own = (await checkpoints.all(best.modelId)).filter((checkpoint) => checkpoint.jobId === best.jobId);
  const chosen = own.find((checkpoint) => checkpoint.epoch === epoch) ?? own.sort((a, b) => b.epoch - a.epoch)[0];
  return { ...view, best: { ...best, checkpointId: chosen?.id ?? null } };
}

export async function currentView(record: SweepRecord, jobs: JobStore): Promise<SweepView> {
  return sweepView(record, await jobs.trialsOf(record.id));
}
