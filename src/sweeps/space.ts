// Search spaces of a sweep and the trials drawn from them: every combination (grid) or `trials`
// draws from a seeded PRNG (random). Pure: the same space and seed always give the same trials.

import { Rng } from '../engine/index.js';

export type Domain =
  | { values: unknown[] }
  | { uniform: [number, number] }
  | { logUniform: [number, number] }
  | { intUniform: [number, number] };

/** Keyed by dotted path (`optimizer.learningRate`, `spec.layers.0.units`). */
export type SearchSpace = Record<string, Domain>;

/** One trial's parameters, keyed by the dotted paths of the space. */
export type TrialParams = Record<string, unknown>;

/** Every combination, the first path varying slowest (as nested loops written in the space's order). */
export function gridTrials(space: SearchSpace): TrialParams[] {
  let trials: TrialParams[] = [{}];
  for (const [path, domain] of Object.entries(space)) {
    if (!('values' in domain)) throw new Error(`grid search needs "values" for ${path}`);
    trials = trials.flatMap((trial) => domain.values.map((value) => ({ ...trial, [path]: value })));
  }
  return trials;
}

/** The number of grid combinations, computed without building them (for the submission limit). */
export function gridSize(space: SearchSpace): number {
  return Object.values(space).reduce((n, domain) => n * ('values' in domain ? domain.values.length : Infinity), 1);
}

/**
 * `count` trials drawn from `seed`. Each path draws from its own stream (named by the path), so
 * adding a path to the space leaves the values of the others unchanged.
 */
export function randomTrials(space: SearchSpace, count: number, seed: number): TrialParams[] {
  const trials: TrialParams[] = Array.from({ length: count }, () => ({}));
  for (const [path, domain] of Object.entries(space)) {
    const rng = new Rng(seed, `sweep:${path}`);
    for (const trial of trials) trial[path] = draw(domain, () => rng.nextFloat());
  }
  return trials;
}

function draw(domain: Domain, next: () => number): unknown {
  if ('values' in domain) return domain.values[Math.min(domain.values.length - 1, Math.floor(next() * domain.values.length))];
  if ('uniform' in domain) {
    const [a, b] = domain.uniform;
    return a + (b - a) * next();
  }
  if ('logUniform' in domain) {
    const [a, b] = domain.logUniform;
    return Math.exp(Math.log(a) + (Math.log(b) - Math.log(a)) * next());
  }
  const [a, b] = domain.intUniform;
  return a + Math.min(b - a, Math.floor(next() * (b - a + 1)));
}
