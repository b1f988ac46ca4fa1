// Lint fixture (linted as src/compiled-path.ts): a shared helper importing the API. Shared helpers
// sit below every service layer: the layer order must report it.
import type { AppDeps } from './api/deps.js';

export type Upward = AppDeps;
