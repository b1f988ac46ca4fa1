// Weight initialisers. heNormal is the seed's N(0, sqrt(2/fanIn)) (a plain normal, not Keras'
// truncated one); glorotUniform is U(-l, l) with l = sqrt(6 / (fanIn + fanOut)).

import type { Rng } from './random.js';
import type { InitializerName } from './spec.js';
import type { Float } from './tensor.js';

export function initialize(target: Float, name: InitializerName, fanIn: number, fanOut: number, rng: Rng): void {
  switch (name) {
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
