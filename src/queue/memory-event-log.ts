// In-process job events (embedded mode): an emitter plus a bounded replay buffer per job. Ids carry
// a per-boot prefix so an id from before a restart is never mistaken for a new event.

import { EventEmitter } from 'node:events';
import { isTerminal, type JobRecord } from '../storage/job-record.js';
import { REPLAY_EVENTS_PER_JOB, type JobEventLog } from './event-log.js';
import type { JobEvent, JobEventInput, SubscribeOptions } from './types.js';

/** Jobs whose buffers are kept; the oldest buffer goes first. */
const MAX_BUFFERED_JOBS = 1000;
/**
 * Events a finished job keeps. Its stream has ended, so only a client reconnecting with the
 * Last-Event-ID of the last few events can use the buffer; an older id gets a snapshot of the record
 * (onGap), which holds everything. Keeping whole buffers (up to REPLAY_EVENTS_PER_JOB, with `state`
 * events that carry the full history) for the last 1000 jobs made the soak's heap grow with every
 * finished job (issue 10).
 */
export const REPLAY_EVENTS_AFTER_END = 16;

export class MemoryEventLog implements JobEventLog {
  private readonly emitter = new EventEmitter();
  private readonly buffers = new Map<string, JobEvent[]>();
  private readonly boot = Date.now().toString(36);
  private sequence = 0;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish(input: JobEventInput): Promise<JobEvent> {
    const event: JobEvent = { ...input, id: `${this.boot}-${++this.sequence}` };
    const buffer = this.buffers.get(input.jobId) ?? [];
    this.buffers.delete(input.jobId); // re-insert: Map order doubles as least-recently-published order
    buffer.push(event);
    if (buffer.length > REPLAY_EVENTS_PER_JOB) buffer.shift();
    if (input.type === 'state' && isTerminal((input.data as JobRecord).state)) buffer.splice(0, buffer.length - REPLAY_EVENTS_AFTER_END);
    this.buffers.set(input.jobId, buffer);
    if (this.buffers.size > MAX_BUFFERED_JOBS) this.buffers.delete(this.buffers.keys().next().value as string);
    this.emitter.emit(input.jobId, event);
    return event;
  }

  async subscribe(jobId: string, listener: (event: JobEvent) => void, options: SubscribeOptions = {}): Promise<() => void> {
    if (options.afterEventId !== undefined) {
      const buffer = this.buffers.get(jobId) ?? [];
      const index = buffer.findIndex((event) => event.id === options.afterEventId);
      if (index < 0) options.onGap?.();
      else buffer.slice(index + 1).forEach(listener);
    } else if (options.replayAll) {
      (this.buffers.get(jobId) ?? []).forEach(listener);
    }
    // Publishing is synchronous here, so nothing can slip between the replay and the live listener.
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
