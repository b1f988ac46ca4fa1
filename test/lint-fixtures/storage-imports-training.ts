// Lint fixture (linted as src/storage/lint-fixture.ts): storage taking a type from training above it.
// The layer order must report it.
import type { JobRuntime } from '../training/runtime.js';

export type Upward = JobRuntime;
