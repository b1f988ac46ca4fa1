// The seeded PRNG: reproducible sequences, a restorable state, independent named streams, unbiased
// shuffles and integers, and standard normal draws.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/index.js';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('the same seed gives the same sequence; other seeds and streams differ', () => {
    expect(draws(new Rng(42), 100)).toEqual(draws(new Rng(42), 100));
    expect(draws(new Rng(42), 100)).not.toEqual(draws(new Rng(43), 100));
    expect(draws(new Rng(42, 'init'), 100)).not.toEqual(draws(new Rng(42, 'training'), 100));
    expect(draws(new Rng(42, 'init'), 100)).toEqual(draws(new Rng(42, 'init'), 100));
    // Seeds above 2^32 use their high bits too.
    expect(draws(new Rng(2 ** 32 + 5), 10)).not.toEqual(draws(new Rng(5), 10));
    expect(() => new Rng(1.5)).toThrow(RangeError);
  });

  it('getState / setState / fromState resume the exact sequence', () => {
    const rng = new Rng(7);
    draws(rng, 13);
    rng.nextFloat();
    rng.nextNormal();
    const state = rng.getState();
    const ahead = [rng.nextFloat(), rng.nextNormal(), rng.nextInt(1000), ...draws(rng, 5)];
    const restored = Rng.fromState(state);
    expect([restored.nextFloat(), restored.nextNormal(), restored.nextInt(1000), ...draws(restored, 5)]).toEqual(ahead);
    rng.setState(state);
    expect([rng.nextFloat(), rng.nextNormal(), rng.nextInt(1000), ...draws(rng, 5)]).toEqual(ahead);
    // The state is plain JSON (it goes into checkpoints).
    expect(Rng.fromState(JSON.parse(JSON.stringify(state))).getState()).toEqual(state);
  });

  it('nextFloat is in [0, 1) with mean 1/2; nextInt(n) is in [0, n) and uniform', () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = rng.nextFloat();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.nextInt(7)]++;
    // Each bucket expects 10,000 with std ~93: 5 std is 470.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(470);
    expect(rng.nextInt(1)).toBe(0);
  });

  it('shuffle is a permutation and, over many shuffles, puts each element everywhere evenly', () => {
    const rng = new Rng(3);
    const order = Int32Array.from({ length: 1000 }, (_, i) => i);
    rng.shuffle(order);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(order)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const positions = Array.from({ length: 4 }, () => new Array(4).fill(0));
    for (let t = 0; t < 40_000; t++) {
      const small = [0, 1, 2, 3];
      rng.shuffle(small);
      small.forEach((v, i) => positions[v][i]++);
    }
    // 10,000 expected per cell, std ~87.
    for (const row of positions) for (const c of row) expect(Math.abs(c - 10_000)).toBeLessThan(450);
  });

  it('normal draws have mean ~0 and standard deviation ~1 over 100k draws', () => {
    const rng = new Rng(9);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const v = rng.nextNormal();
      expect(Number.isFinite(v)).toBe(true);
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.015); // std error 0.0032
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    // P(|Z| > 2) = 0.0455
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.004);
  });
});
