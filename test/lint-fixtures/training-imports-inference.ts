// Lint fixture (linted as src/training/lint-fixture.ts): training importing its sibling inference.
// Siblings share a rank and import neither each other: the layer order must report it.
import { LruCache } from '../inference/lru-cache.js';

export const sideways = LruCache;
