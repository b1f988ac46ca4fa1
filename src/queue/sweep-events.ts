// A job event log that also tells a trial's sweep: every epoch or state event of a trial job goes on
// (unchanged) and a `trial` event with the trial's new view goes out on the sweep's own stream (keyed
// by the sweep id). Wrapped around every event log that carries job events, in both modes.

import { isTerminal, type JobRecord } from '../storage/job-record.js';
import type { JobStore } from '../storage/job-store.js';
import { trialView, type SweepRecord } from '../storage/sweep-record.js';
import type { SweepStore } from '../storage/sweep-store.js';
import type { JobEventLog } from './event-log.js';
import type { JobEvent, JobEventInput, SubscribeOptions } from './types.js';

export class SweepEventRelay implements JobEventLog {
  /** Sweep records change only at cancel and end; their plans (what a trial view needs) never. */
  private readonly records = new Map<string, SweepRecord>();

  constructor(
    private readonly inner: JobEventLog,
    private readonly jobs: JobStore,
    private readonly sweeps: SweepStore,
    /** Called when a trial job ends, so its sweep can start the next trial. */
    private readonly onTrialEnded?: (sweepId: string) => void,
  ) {}

  async publish(event: JobEventInput): Promise<JobEvent> {
    const published = await this.inner.publish(event);
    if (event.type === 'epoch' || event.type === 'state') {
      // The trial event is a view for streams; failing to build one must not fail the job's event.
      await this.relay(event).catch(() => undefined);
    }
    return published;
  }

  subscribe(id: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void> {
    return this.inner.subscribe(id, listener, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async relay(event: JobEventInput): Promise<void> {
    const job = event.type === 'state' ? (event.data as JobRecord) : await this.jobs.get(event.jobId);
    if (!job?.sweepId || !job.trial) return;
    const record = await this.record(job.sweepId);
    const plan = record?.plans[job.trial.index];
    if (!record || !plan) return;
    // The record may not hold this epoch yet: the event is newer than the last record write.
    const entry = event.type === 'epoch' ? (event.data as JobRecord['history'][number]) : null;
    const history = entry ? [...job.history.filter((e) => e.epoch < entry.epoch), entry] : job.history;
    await this.inner.publish({ type: 'trial', jobId: record.id, data: trialView(record, plan, { ...job, history }) });
    if (event.type === 'state' && isTerminal(job.state)) this.onTrialEnded?.(record.id);
  }

  private async record(sweepId: string): Promise<SweepRecord | null> {
    const cached = this.records.get(sweepId);
    if (cached) return cached;
    const record = await this.sweeps.get(sweepId);
    if (record) this.records.set(sweepId, record);
    if (this.records.size > 1000) this.records.delete(this.records.keys().next().value as string);
    return record;
  }
}
