// The model spec: plain JSON, camelCase, Keras-like. These types are the engine's input contract;
// `validateSpec` (model-spec.ts) checks an unknown value against them and runs shape inference.
// Each layer type's own spec (DenseSpec, ...) lives beside its class in layers/.

import type { LayerSpec } from './layers/registry.js';
import type { LossName } from './losses.js';

export interface ModelSpec {
  /** `[features]` or `[height, width, channels]` (channels last). */
  input: number[];
  layers: LayerSpec[];
  loss: LossName;
}

/** Caps checked during shape inference, before anything is allocated. */
export interface ModelLimits {
  maxParams: number;
  /** Bytes of activations, gradients and scratch buffers for one sample. */
  maxActivationBytesPerSample: number;
}

export const DEFAULT_LIMITS: ModelLimits = {
  maxParams: 20_000_000,
  maxActivationBytesPerSample: 64 * 1024 * 1024,
};
