// A 2-second version of `npm run bench:load` (bench/load.ts): predictions against the real server,
// idle and while a training job runs, must all succeed. No timing assertions: the figures are the
// README's, measured with the full run.

import { describe, expect, it } from 'vitest';
import { runLoadBench } from '../../bench/load.js';

describe('load bench (short)', () => {
  it('serves every prediction, idle and while training, with no errors or non-2xx', async () => {
    const { idle, training } = await runLoadBench({ durationSeconds: 2, connections: 2 });
    for (const phase of [idle, training]) {
      expect(phase.requests, phase.label).toBeGreaterThan(0);
      expect({ errors: phase.errors, timeouts: phase.timeouts, non2xx: phase.non2xx }, phase.label).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    }
    expect(training.trainingState).toBe('running'); // the second phase really ran next to training
    expect(training.trainingSamplesPerSecond).toBeGreaterThan(0);
  }, 120_000);
});
