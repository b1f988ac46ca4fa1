// Search spaces: grid order and size, seeded random draws (determinism, domains, independence of
// paths), and dotted paths into a job body or a spec.

import { describe, expect, it } from 'vitest';
import { splitPath, withValueAt } from '../../src/sweeps/paths.js';
import { gridSize, gridTrials, randomTrials } from '../../src/sweeps/space.js';

describe('gridTrials', () => {
  it('takes every combination, the first path varying slowest', () => {
    const space = { a: { values: [1, 2] }, b: { values: ['x', 'y', 'z'] } };
    expect(gridTrials(space)).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' },
      { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(gridSize(space)).toBe(6);
    expect(gridSize({ a: { values: [1] }, b: { uniform: [0, 1] } })).toBe(Infinity);
  });
});

describe('randomTrials', () => {
  const space = {
    lr: { logUniform: [1e-4, 1e-1] as [number, number] },
    units: { intUniform: [2, 5] as [number, number] },
    split: { uniform: [0.1, 0.3] as [number, number] },
    batch: { values: [16, 32, 64] },
  };

  it('gives the same trials for the same seed and other trials for another', () => {
    expect(randomTrials(space, 20, 7)).toEqual(randomTrials(space, 20, 7));
    expect(randomTrials(space, 20, 8)).not.toEqual(randomTrials(space, 20, 7));
  });

  it('draws inside each domain and reaches both ends of an integer range', () => {
    const trials = randomTrials(space, 400, 1);
    for (const t of trials) {
      expect(t.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(t.lr as number).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(t.units)).toBe(true);
      expect(t.split as number).toBeGreaterThanOrEqual(0.1);
      expect(t.split as number).toBeLessThanOrEqual(0.3);
    }
    expect(new Set(trials.map((t) => t.units))).toEqual(new Set([2, 3, 4, 5]));
    expect(new Set(trials.map((t) => t.batch))).toEqual(new Set([16, 32, 64]));
    // log-uniform: about as many draws below 1e-2.5 (the log midpoint) as above
    const low = trials.filter((t) => (t.lr as number) < 10 ** -2.5).length;
    expect(low).toBeGreaterThan(150);
    expect(low).toBeLessThan(250);
  });

  it('adding a path leaves the values drawn for the others unchanged', () => {
    const before = randomTrials({ lr: space.lr }, 10, 3).map((t) => t.lr);
    const after = randomTrials({ lr: space.lr, units: space.units }, 10, 3).map((t) => t.lr);
    expect(after).toEqual(before);
  });
});

describe('dotted paths', () => {
  it('split into the job body or the spec', () => {
    expect(splitPath('optimizer.learningRate')).toEqual({ target: 'body', segments: ['optimizer', 'learningRate'] });
    expect(splitPath('spec.layers.0.units')).toEqual({ target: 'spec', segments: ['layers', '0', 'units'] });
  });

  it('set a value in a copy, creating only the last key, never mutating the original', () => {
    const spec = { layers: [{ type: 'dense', units: 4 }, { type: 'dense', units: 2 }] };
    const edited = withValueAt(spec, ['layers', '0', 'units'], 8) as typeof spec;
    expect(edited.layers[0]?.units).toBe(8);
    expect(edited.layers[1]).toBe(spec.layers[1]);
    expect(spec.layers[0]?.units).toBe(4);
    expect(withValueAt({ optimizer: { type: 'adam' } }, ['optimizer', 'learningRate'], 0.1)).toEqual({ optimizer: { type: 'adam', learningRate: 0.1 } });
  });

  it('refuse paths that do not fit: a missing container, an index past the end, a prototype key', () => {
    expect(withValueAt({}, ['optimizer', 'learningRate'], 1)).toBeNull();
    expect(withValueAt({ layers: [] }, ['layers', '0', 'units'], 1)).toBeNull();
    expect(withValueAt({ layers: [{}] }, ['layers', 'x'], 1)).toBeNull();
    expect(withValueAt({}, ['__proto__'], 1)).toBeNull();
    expect(withValueAt({ epochs: 3 }, ['epochs', 'deeper'], 1)).toBeNull();
  });
});
