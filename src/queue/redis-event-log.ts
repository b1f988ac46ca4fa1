// Job events across hosts (distributed mode): each event goes into a capped Redis stream per job
// (the replay buffer; its entry id is the SSE id) and out on one pub/sub channel for live delivery.

import type { Redis } from 'ioredis';
import { REPLAY_EVENTS_PER_JOB, type JobEventLog } from './event-log.js';
import type { JobEvent, JobEventInput, SubscribeOptions } from './types.js';

/** Replay streams expire a day after a job's last event. */
const STREAM_TTL_SECONDS = 24 * 3600;

// One script, so the stream entry and the live message carry the same id and never diverge.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id`;

type Listener = (event: JobEvent) => void;

export class RedisEventLog implements JobEventLog {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscribed: Promise<unknown> | null = null;

  /**
   * @param client commands (publish, replay)
   * @param subscriber a dedicated connection for pub/sub, or null for publish-only users (workers)
   */
  constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis | null,
    private readonly prefix: string,
  ) {}

  async publish(input: JobEventInput): Promise<JobEvent> {
    const payload = JSON.stringify({ type: input.type, jobId: input.jobId, data: input.data });
    const id = (await this.client.eval(
      PUBLISH_SCRIPT, 2, this.streamKey(input.jobId), this.channel(),
      String(REPLAY_EVENTS_PER_JOB), payload, String(STREAM_TTL_SECONDS),
    )) as string;
    return { ...input, id };
  }

  async subscribe(jobId: string, listener: Listener, options: SubscribeOptions = {}): Promise<() => void> {
    await this.listen();
    let lastId: string | null = null;
    let replaying = true;
    const pending: JobEvent[] = [];
    const deliver = (event: JobEvent) => {
      if (lastId !== null && compareStreamIds(event.id, lastId) <= 0) return;
      lastId = event.id;
      listener(event);
    };
    // Live events that arrive while the replay is read wait here, then go out in order, deduplicated.
    const local: Listener = (event) => (replaying ? pending.push(event) : deliver(event));
    const set = this.listeners.get(jobId) ?? new Set<Listener>();
    set.add(local);
    this.listeners.set(jobId, set);
    try {
      if (options.afterEventId !== undefined) await this.replay(jobId, options, deliver);
      else if (options.replayAll) await this.replayFrom(jobId, '-', deliver);
    } finally {
      replaying = false;
      pending.forEach(deliver);
    }
    return () => {
      set.delete(local);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private async replay(jobId: string, options: SubscribeOptions, deliver: Listener): Promise<void> {
    const after = options.afterEventId as string;
    const key = this.streamKey(jobId);
    const known = STREAM_ID.test(after) && (await this.client.xrange(key, after, after)).length > 0;
    if (!known) {
      options.onGap?.();
      return;
    }
    await this.replayFrom(jobId, `(${after}`, deliver);
  }

  private async replayFrom(jobId: string, start: string, deliver: Listener): Promise<void> {
    for (const [id, fields] of await this.client.xrange(this.streamKey(jobId), start, '+')) {
      const event = parseEvent(id, fields[1]);
      if (event) deliver(event);
    }
  }

  private listen(): Promise<unknown> {
    if (!this.subscriber) throw new Error('this RedisEventLog was created without a subscriber connection');
    const subscriber = this.subscriber;
    this.subscribed ??= (async () => {
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== this.channel()) return;
        const space = message.indexOf(' ');
        const event = parseEvent(message.slice(0, space), message.slice(space + 1));
        if (event) this.listeners.get(event.jobId)?.forEach((listener) => listener(event));
      });
      await subscriber.subscribe(this.channel());
    })().catch((err: unknown) => {
      this.subscribed = null; // let the next subscriber try again
      throw err;
    });
    return this.subscribed;
  }

  private streamKey(jobId: string): string {
    return `${this.prefix}:job-events:${jobId}`;
  }

  private channel(): string {
    return `${this.prefix}:job-events`;
  }
}

const STREAM_ID = /^\d+-\d+$/;

function parseEvent(id: string, payload: string | undefined): JobEvent | null {
  try {
    const { type, jobId, data } = JSON.parse(payload ?? '') as Omit<JobEvent, 'id'>;
    return { id, type, jobId, data };
  } catch {
    return null;
  }
}

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
