// Drawing-pad pixels to model input: ink from RGBA bytes and the k x k block average, exactly.

import { describe, expect, it } from 'vitest';
import { blockAverage, inkFromRgba, padScale } from '../../web/src/predict/ink.js';

describe('ink', () => {
  it('reads the red channel as ink in [0, 1]', () => {
    expect(Array.from(inkFromRgba([255, 255, 255, 255, 0, 0, 0, 255, 51, 51, 51, 255]))).toEqual([1, 0, Math.fround(0.2)]);
  });

  it('averages k x k blocks into the model\'s h x w', () => {
    // 4x2 source (w=4, h=2) into 2x1: blocks [1,1,0,0] and [0,0.5,1,1].
    const src = [1, 1, 0, 0.5, 0, 0, 1, 1];
    expect(Array.from(blockAverage(src, 4, 2, 2, 1))).toEqual([0.5, 0.625]);
    // An identity when the sizes match.
    expect(Array.from(blockAverage([0.25, 0.5, 0.75, 1], 2, 2, 2, 2))).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('a full-ink pad gives 1.0 everywhere, an empty one 0.0, and one inked block only its pixel', () => {
    const k = padScale(28, 28);
    expect(k).toBe(10);
    const size = 28 * k;
    const full = new Float32Array(size * size).fill(1);
    expect(blockAverage(full, size, size, 28, 28).every((v) => v === 1)).toBe(true);
    const one = new Float32Array(size * size);
    for (let y = 3 * k; y < 4 * k; y++) for (let x = 5 * k; x < 6 * k; x++) one[y * size + x] = 1;
    const small = blockAverage(one, size, size, 28, 28);
    expect(small[3 * 28 + 5]).toBe(1);
    expect(small.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('refuses sizes that do not divide', () => {
    expect(() => blockAverage(new Float32Array(9), 3, 3, 2, 2)).toThrow(/does not divide/);
  });
});
