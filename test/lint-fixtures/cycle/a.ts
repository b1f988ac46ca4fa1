// Lint fixture (linted where it is): a -> b -> c -> a, where the last edge is type-only.
// layers/no-cycle must report the cycle in all three files; import-x/no-cycle would see none.
import { b } from './b.js';

export interface A {
  name: string;
}

export const a = (): string => b();
