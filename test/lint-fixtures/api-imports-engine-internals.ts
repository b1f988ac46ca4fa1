// Lint fixture (linted as src/api/lint-fixture.ts): the API importing an engine file other than its
// public surface, src/engine/index.ts. The engine-surface rule must report it.
import type { Shape } from '../engine/tensor.js';

export type Internal = Shape;
