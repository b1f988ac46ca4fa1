// Seeded random model specs for the ONNX round trips: stacks of 2-6 layers of every type with random
// valid hyperparameters (kernels, strides, every padding, activations, alpha, bias or not). The
// engine's shape inference is the oracle: a drawn layer that does not fit is drawn again.

import { ACTIVATIONS, Rng, validateSpec } from '../../src/engine/index.js';

type Layer = Record<string, unknown>;
export interface RandomSpec {
  input: number[];
  layers: Layer[];
  loss: string;
}

export function randomSpec(seed: number): RandomSpec {
  const rng = new Rng(seed, 'random-spec');
  const int = (lo: number, hi: number) => lo + rng.nextInt(hi - lo + 1);
  const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)];
  const pair = () => (rng.nextFloat() < 0.5 ? int(1, 3) : [int(1, 3), int(1, 3)]);
  const activation = (): Layer => {
    const name = pick(ACTIVATIONS);
    return name === 'leakyRelu' ? { activation: name, alpha: Number(rng.nextFloat().toFixed(3)) } : { activation: name };
  };

  const conv = () => ({ type: 'conv2d', filters: int(1, 4), kernelSize: pair(), strides: pair(), padding: pick(['valid', 'same', int(0, 3)]), useBias: rng.nextFloat() < 0.8, ...activation() });
  const pool = (type: string) => () => ({ type, poolSize: pair(), strides: pair(), padding: pick(['valid', 'same']) });
  // Windowed layers weigh more: their padding and layout are where an export can go wrong.
  const imageLayers: (() => Layer)[] = [
    conv, conv, conv,
    pool('maxPool2d'), pool('maxPool2d'), pool('avgPool2d'), pool('avgPool2d'),
    () => ({ type: 'flatten' }),
    () => ({ type: 'dropout', rate: 0.5 }),
    () => ({ type: 'activation', ...activation() }),
    () => ({ type: 'batchNorm' }),
    () => ({ type: 'normalize' }), // fits only as the first layer: elsewhere it is drawn again
  ];
  const flatLayers: (() => Layer)[] = [
    () => ({ type: 'dense', units: int(1, 8), useBias: rng.nextFloat() < 0.8, ...activation() }),
    () => ({ type: 'dense', units: int(1, 8), ...activation() }),
    () => ({ type: 'dropout', rate: 0.3 }),
    () => ({ type: 'activation', ...activation() }),
    () => ({ type: 'flatten' }),
    () => ({ type: 'batchNorm' }),
    () => ({ type: 'normalize' }),
  ];

  const input = rng.nextFloat() < 0.7 ? [int(3, 10), int(3, 10), int(1, 3)] : [int(1, 10)];
  const spec: RandomSpec = { input, layers: [], loss: 'mse' };
  let shape = input;
  const depth = int(2, 6);
  for (let attempts = 0; spec.layers.length < depth && attempts < 100; attempts++) {
    const layer = pick(shape.length === 3 ? imageLayers : flatLayers)();
    try {
      const { summary } = validateSpec({ ...spec, layers: [...spec.layers, layer] });
      spec.layers.push(layer);
      shape = summary.outputShape;
    } catch {
      // Does not fit the current shape (a kernel larger than a valid-padded input): draw another.
    }
  }
  if (spec.layers.length === 0) spec.layers.push({ type: 'dropout', rate: 0.1 });
  return spec;
}
