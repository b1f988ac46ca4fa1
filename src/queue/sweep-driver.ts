// The sweep orchestrator: starts trials (a model and an ordinary job each) up to `parallelism`,
// cancels them after a sweep's cancel, and announces the sweep's end. It keeps no state of its own:
// every advance reads the sweep record and its trial jobs, so any process may run it, after any
// restart. Runs under a SweepLock; trial jobs are created under an idempotency key per trial.

import { isTerminal } from '../storage/job-record.js';
import type { JobStore } from '../storage/job-store.js';
import type { ModelStore } from '../storage/model-store.js';
import { jobsByTrial, outcomeOf, sweepView, type SweepRecord, type TrialPlan } from '../storage/sweep-record.js';
import type { SweepStore } from '../storage/sweep-store.js';
import type { JobEventLog } from './event-log.js';
import type { SweepLock } from './sweep-lock.js';

export interface SweepDriverDeps {
  sweeps: SweepStore;
  jobs: JobStore;
  models: ModelStore;
  events: JobEventLog;
  lock: SweepLock;
  enqueue(jobId: string): Promise<void>;
  cancel(jobId: string): Promise<void>;
  onError?: (err: unknown, sweepId: string) => void;
}

export class SweepDriver {
  constructor(private readonly deps: SweepDriverDeps) {}

  /** Brings one sweep up to date; errors go to onError (the next advance or reconcile retries). */
  async advance(sweepId: string): Promise<void> {
    await this.deps.lock.run(sweepId, () => this.step(sweepId)).catch((err) => this.deps.onError?.(err, sweepId));
  }

  /**
   * Cancels a sweep: no trial starts after this, unfinished ones are cancelled. Resolves false when
   * the sweep had already ended (or is unknown); under the lock, so it cannot race the sweep's end.
   */
  async cancel(sweepId: string): Promise<boolean> {
    let cancelled = false;
    const held = await this.deps.lock.run(sweepId, async () => {
      const record = await this.deps.sweeps.get(sweepId);
      if (!record || record.ended) return;
      if (!record.cancelledAt) await this.deps.sweeps.save({ ...record, cancelledAt: new Date().toISOString() });
      cancelled = true;
      await this.step(sweepId);
    });
    if (!held) throw new Error(`sweep ${sweepId} is being driven elsewhere; try again`);
    return cancelled;
  }

  /** Advances every sweep that has not ended: at start-up, and periodically as a safety net. */
  async reconcile(): Promise<void> {
    const unfinished = await this.deps.sweeps.unfinished().catch((err) => {
      this.deps.onError?.(err, '*');
      return [];
    });
    for (const record of unfinished) await this.advance(record.id);
  }

  private async step(sweepId: string): Promise<void> {
    const record = await this.deps.sweeps.get(sweepId);
    if (!record || record.ended) return;
    const byIndex = jobsByTrial(await this.deps.jobs.trialsOf(sweepId));
    const unfinished = [...byIndex.values()].filter((job) => !isTerminal(job.state));
    if (record.cancelledAt) {
      for (const job of unfinished) await this.deps.cancel(job.id);
    } else {
      // A trial job whose enqueue was lost (a crash, Redis down) goes in again; enqueue is idempotent.
      for (const job of unfinished) if (job.state === 'queued') await this.deps.enqueue(job.id);
      let running = unfinished.length;
      for (const plan of record.plans) {
        if (running >= record.config.parallelism) break;
        if (byIndex.has(plan.index)) continue;
        await this.startTrial(record, plan);
        running++;
      }
    }
    await this.announceEnd(record);
  }

  private async startTrial(record: SweepRecord, plan: TrialPlan): Promise<void> {
    const { config } = record;
    const model = await this.deps.models.create({ name: `${config.name}/trial-${plan.index}`, spec: plan.spec, summary: plan.summary });
    const { job, created } = await this.deps.jobs.create({
      modelId: model.id,
      datasetId: config.datasetId,
      config: plan.config,
      idempotencyKey: `sweep:${record.id}:trial:${plan.index}`,
      clientKey: null, // the sweep counts against its client's cap, not its trials (parallelism bounds them)
      trial: { sweepId: record.id, index: plan.index, metric: config.metric, earlyTermination: config.earlyTermination },
    });
    if (!created) await this.deps.models.delete(model.id); // another driver started this trial first
    await this.deps.enqueue(job.id);
    const view = sweepView(record, [job]).trials[plan.index];
    await this.deps.events.publish({ type: 'trial', jobId: record.id, data: view }).catch(() => undefined);
  }

  /** Once every trial has ended: record the end (once) and send the final `state` event. */
  private async announceEnd(record: SweepRecord): Promise<void> {
    const jobs = await this.deps.jobs.trialsOf(record.id);
    const view = sweepView(record, jobs);
    const outcome = outcomeOf(view.trials);
    if (!outcome) return;
    const ended: SweepRecord = { ...record, ended: { state: record.cancelledAt ? 'cancelled' : outcome, finishedAt: record.cancelledAt ?? new Date().toISOString() } };
    await this.deps.sweeps.save(ended);
    await this.deps.events.publish({ type: 'state', jobId: record.id, data: sweepView(ended, jobs) }).catch(() => undefined);
  }
}
