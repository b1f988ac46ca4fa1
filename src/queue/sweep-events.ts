// A job event log that also tells a trial's sweep: every epoch or state event of a trial job goes on
// (unchanged) and a `trial` event with the trial's new view goes out on the sweep's own stream (keyed
// by the sweep id). Wrapped around every event log that carries job events, in both modes.

import { isTerminal, type JobRecord } from '../storage/job-record.js';
import { trialView, type SweepRecord } from '../storage/sweep-record.js';
import type { SweepStore } from '../storage/sweep-store.js';
import type { JobEventLog } from './event-log.js';
import type { JobEvent, JobEventInput, SubscribeOptions } from './types.js';

export class SweepEventRelay implements JobEventLog {
  /** Sweep records change only at cancel and end; their plans (what a trial view needs) never. */
  private readonly records = new Map<string, SweepRecord>();
  /**
   * Trial jobs running here, as of their last state event plus the epochs since. Built from the
   * events alone: a job's epochs can come thousands a second, so an epoch must cost no disk read,
   * and a job not seen here as a trial (every ordinary job) costs nothing at all.
   */
  private readonly running = new Map<string, JobRecord>();

  constructor(
    private readonly inner: JobEventLog,
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
    let job: JobRecord | undefined;
    if (event.type === 'state') {
      job = event.data as JobRecord;
      if (!job.sweepId || !job.trial) return;
      if (isTerminal(job.state)) this.running.delete(job.id);
      else this.running.set(job.id, job);
    } else {
      const known = this.running.get(event.jobId);
      if (!known) return;
      const entry = event.data as JobRecord['history'][number];
      job = { ...known, history: [...known.history.filter((e) => e.epoch < entry.epoch), entry] };
      this.running.set(job.id, job);
    }
    const sweepId = job.sweepId as string;
    const record = await this.record(sweepId);
    const plan = record?.plans[(job.trial as NonNullable<JobRecord['trial']>).index];
    if (record && plan) await this.inner.publish({ type: 'trial', jobId: sweepId, data: trialView(record, plan, job) });
    if (event.type === 'state' && isTerminal(job.state)) this.onTrialEnded?.(sweepId);
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
