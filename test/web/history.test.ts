// Merging job histories by epoch (the dashboard's snapshot + live events + re-reads).

import { describe, expect, it } from 'vitest';
import { hasGap, mergeHistory } from '../../web/src/api/history.js';
import type { HistoryEntry } from '../../web/src/api/types.js';

const e = (epoch: number, loss = 1): HistoryEntry => ({ epoch, loss, accuracy: null, valLoss: null, valAccuracy: null, seconds: 0.1 });

describe('mergeHistory', () => {
  it('unions by epoch in order, the newer entry winning', () => {
    const merged = mergeHistory([e(1), e(2), e(6, 0.9)], [e(6, 0.5), e(3), e(7)]);
    expect(merged.map((x) => [x.epoch, x.loss])).toEqual([[1, 1], [2, 1], [3, 1], [6, 0.5], [7, 1]]);
  });

  it('finds gaps: a snapshot at epoch 2 followed by live epochs 6 and 7', () => {
    expect(hasGap(mergeHistory([e(1), e(2)], [e(6), e(7)]))).toBe(true);
    expect(hasGap([e(4), e(5), e(6)])).toBe(false); // a resumed job starts past 1: no gap
    expect(hasGap([])).toBe(false);
  });
});
