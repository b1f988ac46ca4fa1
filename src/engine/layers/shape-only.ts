// Layers that move no weights: flatten (a reshape: NHWC data is already contiguous), dropout
// (inverted dropout from the seeded PRNG; the identity in inference) and a standalone activation.

import { createActivation, type Activation } from '../activations.js';
import type { ActivationLayerSpec } from '../spec.js';
import { ensureCapacity } from '../allocate.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';
import type { ForwardContext, Layer } from './layer.js';

export class FlattenLayer implements Layer {
  readonly type = 'flatten' as const;
  readonly params = [];
  readonly activation = null;
  readonly preActivation = null;
  readonly outputShape: Shape;

  constructor(readonly index: number, readonly inputShape: Shape) {
    this.outputShape = [sizeOf(inputShape)];
  }

  forward(input: Float): Float {
    return input;
  }

  backward(grad: Float, _batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    return needInputGrad ? grad : null;
  }
}

export class DropoutLayer implements Layer {
  readonly type = 'dropout' as const;
  readonly params = [];
  readonly activation = null;
  readonly preActivation = null;
  readonly outputShape: Shape;
  private readonly width: number;
  private mask: Float | null = null;
  private y: Float | null = null;
  private dx: Float | null = null;
  private maskActive = false;

  constructor(readonly index: number, readonly inputShape: Shape, private readonly rate: number, private readonly precision: Precision) {
    this.outputShape = inputShape;
    this.width = sizeOf(inputShape);
  }

  forward(input: Float, batch: number, ctx: ForwardContext): Float {
    this.maskActive = ctx.training && this.rate > 0;
    if (!this.maskActive) return input;
    const length = batch * this.width;
    this.mask = ensureCapacity(this.mask, this.precision, length);
    this.y = ensureCapacity(this.y, this.precision, length);
    const keep = 1 / (1 - this.rate);
    const rng = ctx.rng!;
    for (let i = 0; i < length; i++) {
      const m = rng.nextFloat() < this.rate ? 0 : keep;
      this.mask[i] = m;
      this.y[i] = input[i] * m;
    }
    return this.y;
  }

  backward(grad: Float, batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    if (!needInputGrad) return null;
    if (!this.maskActive) return grad;
    const length = batch * this.width;
    this.dx = ensureCapacity(this.dx, this.precision, length);
    for (let i = 0; i < length; i++) this.dx[i] = grad[i] * this.mask![i];
    return this.dx;
  }
}

export class ActivationLayer implements Layer {
  readonly type = 'activation' as const;
  readonly params = [];
  readonly outputShape: Shape;
  readonly activation: Activation;
  preActivation: Float | null = null;
  private readonly width: number;
  private readonly size: number;
  private y: Float | null = null;
  private dx: Float | null = null;

  constructor(readonly index: number, spec: ActivationLayerSpec, readonly inputShape: Shape, private readonly precision: Precision) {
    this.outputShape = inputShape;
    this.activation = createActivation(spec.activation, spec.alpha);
    this.size = sizeOf(inputShape);
    this.width = inputShape[inputShape.length - 1];
  }

  forward(input: Float, batch: number): Float {
    this.preActivation = input;
    this.y = ensureCapacity(this.y, this.precision, batch * this.size);
    this.activation.forward(input, this.y, batch * this.size, this.width);
    return this.y;
  }

  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null {
    if (!needInputGrad) return null;
    if (gradIsPreActivation) return grad;
    this.dx = ensureCapacity(this.dx, this.precision, batch * this.size);
    this.activation.backward(grad, this.preActivation!, this.y!, this.dx, batch * this.size, this.width);
    return this.dx;
  }
}
