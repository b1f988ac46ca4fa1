// Lint fixture (test/lint/import-rules.test.ts lints it as src/engine/layers/lint-fixture.ts): the
// engine reaching storage through `../..`, type-only. Engine purity must report it.
import type { Storage } from '../../storage/index.js';

export type Escape = Storage;
