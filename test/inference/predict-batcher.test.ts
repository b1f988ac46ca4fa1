// Dynamic batching with an injected scheduler: what is coalesced, when a batch goes, and that a lone
// request never waits past max wait. The engine is a recording stand-in: output row = input row * 2.

import { describe, expect, it } from 'vitest';
import type { EngineCall } from '../../src/inference/engine-runner.js';
import { PredictBatcher, type BatchScheduler } from '../../src/inference/predict-batcher.js';
import type { PredictOutput } from '../../src/inference/tasks.js';

class ManualScheduler implements BatchScheduler {
  readonly soonQueue: (() => void)[] = [];
  readonly timers: { ms: number; fn: () => void }[] = [];
  soon(fn: () => void) {
    this.soonQueue.push(fn);
    return () => this.soonQueue.splice(this.soonQueue.indexOf(fn) >>> 0, 1);
  }
  after(ms: number, fn: () => void) {
    const timer = { ms, fn };
    this.timers.push(timer);
    return () => this.timers.splice(this.timers.indexOf(timer) >>> 0, 1);
  }
  turn() {
    for (const fn of this.soonQueue.splice(0)) fn();
  }
  fireTimers() {
    for (const t of this.timers.splice(0)) t.fn();
  }
}

function engine(options: { hold?: boolean } = {}) {
  const calls: number[] = [];
  const held: (() => void)[] = [];
  const run = (call: EngineCall): Promise<PredictOutput> => {
    calls.push(call.count);
    const output = { outputs: call.inputs.map((v) => v * 2), outputSize: 1, outputActivation: 'linear' };
    if (!options.hold) return Promise.resolve(output);
    return new Promise((resolve) => held.push(() => resolve(output)));
  };
  return { run, calls, releaseOldest: () => held.shift()?.() };
}

const call = (checkpointId: string, ...values: number[]): EngineCall => ({
  checkpointId, spec: {} as EngineCall['spec'], flopsPerSample: 1, weights: new Uint8Array(), inputs: new Float32Array(values), count: values.length,
});
const values = async (p: Promise<PredictOutput>) => Array.from((await p).outputs);

describe('PredictBatcher', () => {
  it('coalesces the requests of one event-loop turn per checkpoint and hands each its own rows', async () => {
    const scheduler = new ManualScheduler();
    const { run, calls } = engine();
    const batcher = new PredictBatcher(run, { enabled: true, maxInstances: 64, maxWaitMs: 5 }, scheduler);
    const a = batcher.predict(call('c1', 1));
    const b = batcher.predict(call('c1', 2, 3));
    const c = batcher.predict(call('c2', 4));
    expect(calls).toEqual([]); // nothing runs before the turn ends
    scheduler.turn();
    expect(await values(a)).toEqual([2]);
    expect(await values(b)).toEqual([4, 6]);
    expect(await values(c)).toEqual([8]);
    expect(calls.sort()).toEqual([1, 3]); // c1's two requests in one call, c2 alone
  });

  it('a lone request goes on the next turn, without waiting for max wait', async () => {
    const scheduler = new ManualScheduler();
    const { run, calls } = engine();
    const batcher = new PredictBatcher(run, { enabled: true, maxInstances: 64, maxWaitMs: 1000 }, scheduler);
    const a = batcher.predict(call('c1', 5));
    expect(scheduler.timers).toHaveLength(0);
    scheduler.turn();
    expect(await values(a)).toEqual([10]);
    expect(calls).toEqual([1]);
  });

  it('while a batch runs, newcomers wait for it to end or for max wait, whichever comes first', async () => {
    const scheduler = new ManualScheduler();
    const { run, calls, releaseOldest } = engine({ hold: true });
    const batcher = new PredictBatcher(run, { enabled: true, maxInstances: 64, maxWaitMs: 3 }, scheduler);
    const first = batcher.predict(call('c1', 1));
    scheduler.turn(); // first runs (held)
    const second = batcher.predict(call('c1', 2));
    const third = batcher.predict(call('c1', 3));
    expect(scheduler.soonQueue).toHaveLength(0);
    expect(scheduler.timers.map((t) => t.ms)).toEqual([3]);
    scheduler.fireTimers(); // max wait passed: they go although the first is still running
    expect(calls).toEqual([1, 2]);
    const fourth = batcher.predict(call('c1', 4));
    releaseOldest();
    expect(await values(first)).toEqual([2]);
    expect(calls).toEqual([1, 2, 1]); // fourth went as soon as a running batch ended, before its max wait
    expect(scheduler.timers).toHaveLength(0);
    releaseOldest();
    expect(await values(second)).toEqual([4]);
    expect(await values(third)).toEqual([6]);
    releaseOldest();
    expect(await values(fourth)).toEqual([8]);
  });

  it('never builds a batch over max instances; a larger request runs alone at once', async () => {
    const scheduler = new ManualScheduler();
    const { run, calls } = engine();
    const batcher = new PredictBatcher(run, { enabled: true, maxInstances: 4, maxWaitMs: 0 }, scheduler);
    const a = batcher.predict(call('c1', 1, 1, 1));
    const b = batcher.predict(call('c1', 2, 2)); // 3 + 2 > 4: a goes first
    const c = batcher.predict(call('c1', 3, 3)); // 2 + 2 = 4: full, goes at once
    const big = batcher.predict(call('c1', 9, 9, 9, 9, 9));
    expect(calls).toEqual([3, 4, 5]);
    scheduler.turn();
    expect(calls).toEqual([3, 4, 5]);
    expect(await values(a)).toEqual([2, 2, 2]);
    expect(await values(b)).toEqual([4, 4]);
    expect(await values(c)).toEqual([6, 6]);
    expect(await values(big)).toHaveLength(5);
  });

  it('off: every request is its own engine call, at once', async () => {
    const scheduler = new ManualScheduler();
    const { run, calls } = engine();
    const batcher = new PredictBatcher(run, { enabled: false, maxInstances: 64, maxWaitMs: 5 }, scheduler);
    await Promise.all([batcher.predict(call('c1', 1)), batcher.predict(call('c1', 2))]);
    expect(calls).toEqual([1, 1]);
    expect(scheduler.soonQueue).toHaveLength(0);
  });

  it('an engine failure fails the requests of that batch only', async () => {
    const scheduler = new ManualScheduler();
    let fail = true;
    const batcher = new PredictBatcher(
      async (c) => {
        if (fail) throw new Error('engine down');
        return { outputs: c.inputs, outputSize: 1, outputActivation: 'linear' };
      },
      { enabled: true, maxInstances: 64, maxWaitMs: 0 },
      scheduler,
    );
    const a = batcher.predict(call('c1', 1));
    const b = batcher.predict(call('c1', 2));
    scheduler.turn();
    await expect(a).rejects.toThrow('engine down');
    await expect(b).rejects.toThrow('engine down');
    fail = false;
    const c = batcher.predict(call('c1', 3));
    scheduler.turn();
    expect(await values(c)).toEqual([3]);
  });
});
