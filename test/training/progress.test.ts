// ProgressTracker: fraction of this job's work (resumes included), ETA and samples/s from the
// engine's batch reports, on an injected clock (exact rates, no waiting).

import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/training/progress.js';

const batch = (epoch: number, step: number, steps = 10, samplesSeen = step * 4) => ({ epoch, epochs: 0, step, steps, loss: 1, samplesSeen });

describe('ProgressTracker', () => {
  it('reports the share of the job done, across epochs', () => {
    const tracker = new ProgressTracker(0, 4);
    expect(tracker.initial(0)).toMatchObject({ epoch: 0, epochs: 4, fraction: 0, samplesPerSecond: null, etaSeconds: null });
    tracker.batch(batch(1, 5));
    expect(tracker.current()).toMatchObject({ epoch: 1, epochs: 4, step: 5, steps: 10, fraction: 5 / 40 });
    tracker.batch(batch(3, 10));
    expect(tracker.current().fraction).toBe(30 / 40);
    expect(tracker.epochEnd(3, tracker.current())).toMatchObject({ epoch: 3, step: 10, fraction: 0.75 });
  });

  it('counts a resumed job from where it first started', () => {
    // first started at trainer epoch 10 for 4 epochs, resumed after 2 of them
    const tracker = new ProgressTracker(10, 4);
    expect(tracker.initial(12)).toMatchObject({ epoch: 12, epochs: 14, fraction: 0.5 });
    tracker.batch(batch(13, 5));
    expect(tracker.current()).toMatchObject({ epoch: 13, epochs: 14, fraction: 25 / 40 });
  });

  it('estimates samples/s and an ETA from this run\'s pace: it shrinks batch by batch at a steady pace and is 0 at the end', () => {
    let clock = 50_000; // ms on the tracker's clock; the run starts here
    const tracker = new ProgressTracker(0, 2, () => clock);
    const etas: number[] = [];
    for (let step = 1; step <= 10; step++) {
      clock += 1000; // one batch of 4 samples per second
      tracker.batch(batch(1, step));
      const progress = tracker.current();
      expect(progress.samplesPerSecond).toBe(4);
      etas.push(progress.etaSeconds as number);
    }
    // 20 steps in all at 1 s each: after step k, 20 - k seconds remain.
    expect(etas).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    clock += 20_000; // the last batch took 20 s: the pace is now 30 s / 11 batches
    tracker.batch(batch(2, 1, 10, 44));
    expect(tracker.current()).toMatchObject({ samplesPerSecond: round2(44 / 30), etaSeconds: round2(9 * (30 / 11)) });
    clock += 1000;
    tracker.batch(batch(2, 10, 10, 80));
    expect(tracker.current().etaSeconds).toBe(0);
  });

  it('measures a resumed job\'s pace over this run only', () => {
    let clock = 0;
    const tracker = new ProgressTracker(10, 4, () => clock); // resumed at epoch 12 of 14
    clock = 2000;
    tracker.batch(batch(13, 1));
    // 1 batch in 2 s; 19 of the job's 40 steps remain.
    expect(tracker.current()).toMatchObject({ fraction: 21 / 40, samplesPerSecond: 2, etaSeconds: 38 });
  });

  it('has no rate or ETA before the first batch', () => {
    const tracker = new ProgressTracker(0, 2, () => 1000);
    expect(tracker.current()).toMatchObject({ samplesPerSecond: null, etaSeconds: null, fraction: 0 });
  });
});

const round2 = (value: number) => Math.round(value * 100) / 100;
