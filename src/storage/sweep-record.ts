// A sweep as the service records it (the plan of every trial, fixed at submission) and the view
// derived from it and its trial jobs: trial states, metrics, the best trial and the sweep's state.
// Nothing else about a running sweep is stored, so no restart can lose or contradict it.

import type { ModelSpec, ModelSummary } from '../engine/index.js';
import type { SweepConfig } from '../sweeps/config.js';
import type { TrialParams } from '../sweeps/space.js';
import { bestOf, directionOf } from '../sweeps/successive-halving.js';
import { isTerminal, type JobConfig, type JobRecord, type JobState } from './job-record.js';

/** A trial as planned at submission: what its model and job will be. */
export interface TrialPlan {
  index: number;
  params: TrialParams;
  spec: ModelSpec;
  summary: ModelSummary;
  config: JobConfig;
}

export interface SweepRecord {
  id: string;
  config: SweepConfig;
  plans: TrialPlan[];
  clientKey: string | null;
  createdAt: string;
  /** Set by a cancel: no trial starts after it, and the sweep ends `cancelled`. */
  cancelledAt: string | null;
  /** Set once the end has been announced (the final `state` event), so it is announced once. */
  ended: { state: 'succeeded' | 'failed' | 'cancelled'; finishedAt: string } | null;
}

export interface TrialView {
  index: number;
  params: TrialParams;
  modelId: string | null;
  jobId: string | null;
  state: JobState;
  metric: number | null;
  epochs: number;
}

export interface SweepView {
  id: string;
  name: string;
  state: JobState;
  config: SweepConfig;
  trials: TrialView[];
  /** The best succeeded trial; `epoch` is where its metric was best (the API picks the checkpoint). */
  best: { index: number; modelId: string; jobId: string; metric: number; epoch: number } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The trial's value of the sweep's metric over a job's history: the best epoch's, and that epoch. */
export function trialMetric(job: Pick<JobRecord, 'history'>, metric: string): { value: number | null; epoch: number | null } {
  const values = job.history.map((entry) => (entry as unknown as Record<string, number | null>)[metric]);
  const value = bestOf(values, directionOf(metric));
  if (value === null) return { value: null, epoch: null };
  return { value, epoch: job.history[values.indexOf(value)]?.epoch ?? null };
}

export function trialView(record: SweepRecord, plan: TrialPlan, job: JobRecord | undefined): TrialView {
  const base = { index: plan.index, params: plan.params };
  if (!job) return { ...base, modelId: null, jobId: null, state: record.cancelledAt ? 'cancelled' : 'queued', metric: null, epochs: 0 };
  return { ...base, modelId: job.modelId, jobId: job.id, state: job.state, metric: trialMetric(job, record.config.metric).value, epochs: job.history.length };
}

/** Each trial's job, by index (the oldest one, should a trial ever get two). */
export function jobsByTrial(jobs: JobRecord[]): Map<number, JobRecord> {
  const byIndex = new Map<number, JobRecord>();
  for (const job of [...jobs].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const index = job.trial?.index;
    if (index !== undefined && !byIndex.has(index)) byIndex.set(index, job);
  }
  return byIndex;
}

export function sweepView(record: SweepRecord, jobs: JobRecord[]): SweepView {
  const byIndex = jobsByTrial(jobs);
  const trials = record.plans.map((plan) => trialView(record, plan, byIndex.get(plan.index)));
  const started = [...byIndex.values()].map((job) => job.startedAt).filter((at): at is string => at !== null).sort();
  return {
    id: record.id,
    name: record.config.name,
    state: sweepState(record, trials),
    config: record.config,
    trials,
    best: bestTrial(record, trials, byIndex),
    createdAt: record.createdAt,
    startedAt: started[0] ?? null,
    finishedAt: record.ended?.finishedAt ?? record.cancelledAt ?? null,
  };
}

/** Every trial ended: at least one succeeded, or none did. Null while some trial has not. */
export function outcomeOf(trials: TrialView[]): 'succeeded' | 'failed' | null {
  if (!trials.every((trial) => isTerminal(trial.state))) return null;
  return trials.some((trial) => trial.state === 'succeeded') ? 'succeeded' : 'failed';
}

function sweepState(record: SweepRecord, trials: TrialView[]): JobState {
  if (record.ended) return record.ended.state;
  if (record.cancelledAt) return 'cancelled';
  const outcome = outcomeOf(trials);
  if (outcome) return outcome;
  return trials.some((trial) => trial.state !== 'queued') ? 'running' : 'queued';
}

/** Among succeeded trials, the best metric in the metric's direction (ties: the lower index). */
function bestTrial(record: SweepRecord, trials: TrialView[], byIndex: Map<number, JobRecord>): SweepView['best'] {
  const sign = directionOf(record.config.metric) === 'min' ? 1 : -1;
  const ranked = trials
    .filter((trial) => trial.state === 'succeeded' && trial.metric !== null)
    .sort((a, b) => sign * ((a.metric as number) - (b.metric as number)) || a.index - b.index);
  const winner = ranked[0];
  const job = winner ? byIndex.get(winner.index) : undefined;
  if (!winner || !job) return null;
  const { value, epoch } = trialMetric(job, record.config.metric);
  return { index: winner.index, modelId: job.modelId, jobId: job.id, metric: value as number, epoch: epoch as number };
}
