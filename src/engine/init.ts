// Initial values of a layer's tensors. heNormal is N(0, sqrt(2/fanIn)) (He et al. 2015; a plain
// normal, not Keras' truncated one); glorotUniform is U(-l, l) with l = sqrt(6 / (fanIn + fanOut));
// buffers (running statistics) start at a constant.

import type { Rng } from './random.js';
import type { Float } from './tensor.js';

export const INITIALIZERS = ['heNormal', 'glorotUniform', 'zeros'] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

export type TensorInit =
  | { initializer: InitializerName; fanIn: number; fanOut: number }
  | { constant: number };

/** Fills `target`; only the random initialisers draw from `rng` (so zeros and constants never shift later draws). */
export function initialize(target: Float, init: TensorInit, rng: Rng): void {
  if ('constant' in init) {
    target.fill(init.constant);
    return;
  }
  const { fanIn, fanOut } = init;
  switch (init.initializer) {
    case 'zeros':
      target.fill(0);
      return;
    case 'heNormal': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < target.length; i++) target[i] = rng.nextNormal() * std;
      return;
    }
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < target.length; i++) target[i] = (rng.nextFloat() * 2 - 1) * limit;
      return;
    }
  }
}
