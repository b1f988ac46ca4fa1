// Lint fixture (linted as src/engine/lint-fixture.ts): the engine importing a node: built-in and an
// npm package. Engine purity must report both.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const escapes = [readFileSync, z];
