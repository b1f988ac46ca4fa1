// One driver at a time per sweep, so `parallelism` holds however many processes drive it: a promise
// chain per sweep in one process (embedded mode), plus a Redis lease across processes (distributed).

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface SweepLock {
  /** Runs `task` while holding the sweep's lock; resolves false when the lock could not be had. */
  run(sweepId: string, task: () => Promise<void>): Promise<boolean>;
}

/** In-process: tasks of one sweep run one after another, never skipped. */
export class ProcessSweepLock implements SweepLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run(sweepId: string, task: () => Promise<void>): Promise<boolean> {
    const previous = this.tails.get(sweepId) ?? Promise.resolve();
    const result = previous.then(task, task).then(() => true);
    const tail = result.catch(() => undefined);
    this.tails.set(sweepId, tail);
    void tail.then(() => {
      if (this.tails.get(sweepId) === tail) this.tails.delete(sweepId);
    });
    return result;
  }
}

/** A lease longer than any advance takes (a few file reads and writes), short enough to outlive a crash briefly. */
const LEASE_MS = 15_000;
const RETRY_MS = 100;
/** Past this the caller gives up; the periodic reconcile advances the sweep later. */
const WAIT_MS = 5_000;

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Across processes: a Redis lease (SET NX PX, released only by its holder), inside a process chain. */
export class RedisSweepLock implements SweepLock {
  private readonly local = new ProcessSweepLock();

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (sweepId: string) => string,
  ) {}

  run(sweepId: string, task: () => Promise<void>): Promise<boolean> {
    let held = false;
    return this.local
      .run(sweepId, async () => {
        const key = this.keyOf(sweepId);
        const token = randomUUID();
        const deadline = Date.now() + WAIT_MS;
        while (!held && Date.now() < deadline) {
          held = (await this.redis.set(key, token, 'PX', LEASE_MS, 'NX')) === 'OK';
          if (!held) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
        if (!held) return;
        try {
          await task();
        } finally {
          await this.redis.eval(RELEASE_SCRIPT, 1, key, token).catch(() => undefined);
        }
      })
      .then(() => held);
  }
}
