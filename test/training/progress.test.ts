// ProgressTracker: fraction of this job's work (resumes included), ETA and samples/s from the
// engine's batch reports.

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

  it('estimates samples/s and a shrinking ETA once batches run', async () => {
    const tracker = new ProgressTracker(0, 2);
    tracker.batch(batch(1, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    tracker.batch(batch(1, 2));
    const early = tracker.current();
    expect(early.samplesPerSecond).toBeGreaterThan(0);
    expect(early.etaSeconds).toBeGreaterThan(0);
    tracker.batch(batch(2, 10));
    expect(tracker.current().etaSeconds).toBe(0);
  });
});
