// A 2-second run of `npm run bench:load` (bench/load.ts) in the slow suite, so the benchmark script
// keeps working: predictions against the real server, idle and while a training job runs, all succeed.
// No timing assertions: the figures are the README's, measured with the full run. (That predictions
// succeed while training runs is npm test's too: test/api/predict-while-training.test.ts.)

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
