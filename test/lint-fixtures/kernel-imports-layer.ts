// Lint fixture (linted as src/engine/kernels/lint-fixture.ts): a kernel importing a layer file,
// type-only, as the kernels once took Window2d from layers/geometry.ts. Must be reported.
import type { DenseLayer } from '../layers/dense.js';

export type Upward = DenseLayer;
