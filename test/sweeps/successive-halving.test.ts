// Successive halving: rungs, the top-1/rf rule at a rung, directions and the best of a trial.

import { describe, expect, it } from 'vitest';
import { bestOf, continuesFromRung, directionOf, rungsBelow } from '../../src/sweeps/successive-halving.js';

describe('rungsBelow', () => {
  it('is minEpochs times powers of the reduction factor, strictly below the epochs', () => {
    expect(rungsBelow({ minEpochs: 1, reductionFactor: 3 }, 10)).toEqual([1, 3, 9]);
    expect(rungsBelow({ minEpochs: 2, reductionFactor: 2 }, 16)).toEqual([2, 4, 8]);
    expect(rungsBelow({ minEpochs: 5, reductionFactor: 3 }, 5)).toEqual([]);
  });
});

describe('continuesFromRung', () => {
  const entries = (...values: (number | null)[]) => values.map((value, index) => ({ index, value }));

  it('lets the first trial at a rung go on', () => {
    expect(continuesFromRung(entries(0.9), 0, 'min', 3)).toBe(true);
  });

  it('keeps the top ceil(n / rf) of those that reached the rung so far', () => {
    // n = 2 and 3: only the best goes on; n = 4: the best two
    expect(continuesFromRung(entries(0.5, 0.9), 1, 'min', 3)).toBe(false);
    expect(continuesFromRung(entries(0.5, 0.4), 1, 'min', 3)).toBe(true);
    expect(continuesFromRung(entries(0.5, 0.9, 0.7), 2, 'min', 3)).toBe(false);
    expect(continuesFromRung(entries(0.5, 0.9, 0.7, 0.6), 3, 'min', 3)).toBe(true);
    expect(continuesFromRung(entries(0.5, 0.9, 0.7, 0.8), 3, 'min', 3)).toBe(false);
  });

  it('follows the direction, breaks ties by index, and stops a trial without a finite value', () => {
    expect(continuesFromRung(entries(0.5, 0.9), 1, 'max', 2)).toBe(true);
    expect(continuesFromRung(entries(0.5, 0.5), 1, 'min', 2)).toBe(false);
    expect(continuesFromRung(entries(0.5, null), 1, 'min', 2)).toBe(false);
    expect(continuesFromRung(entries(0.5, Number.NaN), 1, 'min', 1)).toBe(false);
  });
});

describe('directions and bests', () => {
  it('lower is better for losses, higher for accuracies', () => {
    expect(directionOf('valLoss')).toBe('min');
    expect(directionOf('valAccuracy')).toBe('max');
    expect(bestOf([0.3, null, 0.1, Number.NaN], 'min')).toBe(0.1);
    expect(bestOf([0.3, 0.8], 'max')).toBe(0.8);
    expect(bestOf([null], 'max')).toBeNull();
  });
});
