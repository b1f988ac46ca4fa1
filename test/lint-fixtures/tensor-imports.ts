// Lint fixture (linted as src/engine/tensor.ts): the engine's lowest file importing another engine
// file, type-only. The tensor-leaf rule must report it.
import type { EngineErrorCode } from './errors.js';

export type NotALeaf = EngineErrorCode;
