// A layer's tensors, PyTorch's state_dict of one module: trainable parameters (weight, bias) and
// non-trainable buffers (running statistics, counters). Shape inference declares them, with the
// engine's and PyTorch's layouts and how to initialise them; the model allocates them once.
// Buffers are saved in checkpoints and exported/imported with the weights, but get no gradient and
// no optimizer ever touches them.

import { allocate } from '../allocate.js';
import type { TensorInit } from '../init.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';

export type TensorRole = 'parameter' | 'buffer';
/** `int64` (counters such as batchNorm's num_batches_tracked) is held in float64 (exact to 2^53) and exported as I64. */
export type TensorDtype = 'float' | 'int64';

export interface TensorSpec {
  /** The name within the layer: the safetensors name is `layers.{index}.{name}`. */
  readonly name: string;
  readonly role: TensorRole;
  /** Engine layout (dense [in, units], conv2d [kH, kW, inC, filters], bias [units]). */
  readonly shape: Shape;
  /** PyTorch layout (dense [units, in], conv2d [filters, inC, kH, kW]). */
  readonly torchShape: Shape;
  /** Maps an engine-layout flat index to the PyTorch-layout flat index (identity when absent). */
  readonly toTorchIndex?: (index: number) => number;
  readonly init: TensorInit;
  /** Default `float`. */
  readonly dtype?: TensorDtype;
}

export interface StateTensor {
  readonly name: string;
  readonly role: TensorRole;
  readonly shape: Shape;
  readonly torchShape: Shape;
  readonly toTorchIndex: (index: number) => number;
  readonly init: TensorInit;
  readonly dtype: TensorDtype;
  readonly value: Float;
}

export interface Parameter extends StateTensor {
  readonly role: 'parameter';
  readonly grad: Float;
}

export interface LayerBuffer extends StateTensor {
  readonly role: 'buffer';
}

const identity = (index: number) => index;

/** The allocated tensors of one layer, in declaration order (PyTorch's: parameters, then buffers). */
export class LayerTensors {
  readonly all: readonly (Parameter | LayerBuffer)[];

  constructor(specs: readonly TensorSpec[], precision: Precision) {
    this.all = specs.map((spec) => {
      const dtype = spec.dtype ?? 'float';
      const size = sizeOf(spec.shape);
      const value = allocate(dtype === 'int64' ? 'float64' : precision, size);
      const common = { name: spec.name, shape: spec.shape, torchShape: spec.torchShape, toTorchIndex: spec.toTorchIndex ?? identity, init: spec.init, dtype, value };
      return spec.role === 'parameter'
        ? { ...common, role: 'parameter' as const, grad: allocate(precision, size) }
        : { ...common, role: 'buffer' as const };
    });
  }

  /** A parameter the layer declared (a missing one is a bug in the layer, not bad input). */
  param(name: string): Parameter {
    const found = this.optionalParam(name);
    if (!found) throw new Error(`layer declared no parameter "${name}"`);
    return found;
  }

  optionalParam(name: string): Parameter | null {
    return this.all.find((t): t is Parameter => t.role === 'parameter' && t.name === name) ?? null;
  }

  buffer(name: string): LayerBuffer {
    const found = this.all.find((t): t is LayerBuffer => t.role === 'buffer' && t.name === name);
    if (!found) throw new Error(`layer declared no buffer "${name}"`);
    return found;
  }
}
