// Lint fixture: closes the a -> b -> c -> a cycle with a type-only import (see a.ts).
import type { A } from './a.js';

export const c: A = { name: 'c' };
