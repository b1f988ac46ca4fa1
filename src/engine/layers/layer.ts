// The protocol every layer implements, and the pieces layers share (parameters, the activation
// step). Layers work on whole batches stored contiguously, channels last ([N, H, W, C] or [N, F]);
// buffers are sized once per batch size and reused, so a training step allocates nothing.

import { createActivation, type Activation } from '../activations.js';
import type { Rng } from '../random.js';
import type { ActivationName, LayerType } from '../spec.js';
import { ensureCapacity, type Float, type Precision, type Shape } from '../tensor.js';

export interface Parameter {
  /** `weight` or `bias`; the safetensors name is `layers.{index}.{name}`. */
  readonly name: 'weight' | 'bias';
  /** Engine layout (dense [in, units], conv2d [kH, kW, inC, filters], bias [units]). */
  readonly shape: readonly number[];
  /** PyTorch layout (dense [units, in], conv2d [filters, inC, kH, kW]). */
  readonly torchShape: readonly number[];
  readonly value: Float;
  readonly grad: Float;
  /** Maps an engine-layout flat index to the PyTorch-layout flat index. */
  readonly toTorchIndex: (index: number) => number;
}

export interface ForwardContext {
  training: boolean;
  rng: Rng | null;
}

export interface Layer {
  readonly index: number;
  readonly type: LayerType;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly params: readonly Parameter[];
  /** The activation applied at the end of forward, if the layer has one (last layer: losses fuse with it). */
  readonly activation: Activation | null;
  /** Pre-activation of the last forward pass (losses that fuse with the activation read it). */
  readonly preActivation: Float | null;
  forward(input: Float, batch: number, ctx: ForwardContext): Float;
  /**
   * Gradient of the loss w.r.t. this layer's input, from the gradient w.r.t. its output (or w.r.t.
   * its pre-activation when `gradIsPreActivation`). Sets the parameters' gradients. Returns null
   * when `needInputGrad` is false (the first layer).
   */
  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null;
}

export function makeParameter(
  name: 'weight' | 'bias', shape: number[], torchShape: number[], precision: Precision,
  toTorchIndex: (index: number) => number = (i) => i,
): Parameter {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    name, shape, torchShape, toTorchIndex,
    value: ensureCapacity(null, precision, size),
    grad: ensureCapacity(null, precision, size),
  };
}

/** Output buffers and the activation step shared by dense and conv2d. */
export class ActivationStage {
  readonly activation: Activation | null;
  z: Float | null = null;
  y: Float | null = null;
  private dz: Float | null = null;

  constructor(name: ActivationName, alpha: number | undefined, private readonly precision: Precision) {
    this.activation = name === 'linear' ? null : createActivation(name, alpha);
  }

  /** The buffer the layer writes its pre-activation into. */
  preBuffer(length: number): Float {
    this.z = ensureCapacity(this.z, this.precision, length);
    return this.z;
  }

  apply(length: number, width: number): Float {
    if (!this.activation) return this.z!;
    this.y = ensureCapacity(this.y, this.precision, length);
    this.activation.forward(this.z!, this.y, length, width);
    return this.y;
  }

  /** dL/dz from dL/dy (or passes it through when it already is dL/dz). */
  backward(grad: Float, length: number, width: number, gradIsPreActivation: boolean): Float {
    if (!this.activation || gradIsPreActivation) return grad;
    this.dz = ensureCapacity(this.dz, this.precision, length);
    this.activation.backward(grad, this.z!, this.y!, this.dz, length, width);
    return this.dz;
  }
}
