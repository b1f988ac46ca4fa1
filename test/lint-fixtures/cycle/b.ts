// Lint fixture: the middle of the a -> b -> c -> a cycle (see a.ts).
import { c } from './c.js';

export const b = (): string => c.name;
