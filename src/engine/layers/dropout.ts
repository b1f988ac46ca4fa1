// Inverted dropout: in training, each element is zeroed with probability `rate` (drawn from the
// seeded PRNG) and the rest scaled by 1/(1 - rate); in inference it is the identity.
// Shape: input [N, ...] -> output [N, ...] (unchanged). Inference graph: nothing (the identity).

import { ensureCapacity } from '../allocate.js';
import type { FieldSchemas } from '../spec-fields.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';
import type { ForwardContext, Layer, LayerEntry, LayerPlan } from './layer.js';

export interface DropoutSpec {
  type: 'dropout';
  rate: number;
}

const DROPOUT_FIELDS = {
  rate: { kind: 'number', min: 0, max: 1, maxExclusive: true, required: true },
} as const satisfies FieldSchemas;

export const dropoutLayer: LayerEntry<DropoutSpec, typeof DROPOUT_FIELDS, null> = {
  type: 'dropout',
  fields: DROPOUT_FIELDS,
  normalize: ({ rate }) => ({ type: 'dropout', rate }),
  infer: (_spec, input) => ({ outputShape: [...input.shape], flattenedFrom: input.flattenedFrom, tensors: [], flops: 0, scratch: 0, detail: null }),
  create: (plan, _tensors, precision) => new DropoutLayer(plan, precision),
  graph: (_plan, _tensors, layout) => ({ layout, initializers: [], nodes: [] }),
};

export class DropoutLayer implements Layer {
  readonly type = 'dropout' as const;
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly rate: number;
  private readonly width: number;
  private mask: Float | null = null;
  private y: Float | null = null;
  private dx: Float | null = null;
  private maskActive = false;

  constructor(plan: LayerPlan<DropoutSpec>, private readonly precision: Precision) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.rate = plan.spec.rate;
    this.width = sizeOf(this.inputShape);
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
