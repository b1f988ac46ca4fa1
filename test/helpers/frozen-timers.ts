// "Fails fast" without a stopwatch: runs the work with setTimeout/setInterval frozen (vitest's fake
// timers), so an outcome that arrives at all arrived without waiting on any timer (a reconnect, a
// command timeout, a retry). Only a stuck call meets the real-time guard, which is there to fail with a
// message instead of the test's own timeout.

import { vi } from 'vitest';

async function settleWithTimersFrozen<T>(work: () => Promise<T>, guardMs = 10_000): Promise<PromiseSettledResult<T>> {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  let guard: NodeJS.Timeout | undefined;
  try {
    const stuck = new Promise<never>((_, reject) => {
      guard = realSetTimeout(() => reject(new Error(`still pending after ${guardMs} ms of real time with timers frozen: it waits on a timer`)), guardMs);
    });
    const settled = work().then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    );
    return await Promise.race([settled, stuck]);
  } finally {
    realClearTimeout(guard);
    vi.useRealTimers();
  }
}

/** The value `work` resolves to with timers frozen; throws what it rejected with, or when it is stuck. */
export async function resolvedWithTimersFrozen<T>(work: () => Promise<T>, guardMs?: number): Promise<T> {
  const outcome = await settleWithTimersFrozen(work, guardMs);
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/** The reason `work` rejects with while timers are frozen; throws when it resolves instead, or is stuck. */
export async function rejectionWithTimersFrozen(work: () => Promise<unknown>, guardMs?: number): Promise<unknown> {
  const outcome = await settleWithTimersFrozen(work, guardMs);
  if (outcome.status === 'fulfilled') throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.reason;
}
