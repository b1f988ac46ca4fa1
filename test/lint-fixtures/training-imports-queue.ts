// Lint fixture (linted as src/training/lint-fixture.ts): training taking a type from the queue above
// it, as runtime.ts once took JobEventInput. The layer order must report it.
import type { JobEvent } from '../queue/types.js';

export type Upward = JobEvent;
