// A standalone activation layer (softmax over the last axis: the channels of an image).
// Shape: input [N, ...] -> output [N, ...] (unchanged). Inference graph: the activation's operator,
// in whichever layout the value arrives (softmax over the channels' axis of that layout).

import { createActivation, ACTIVATIONS, type Activation } from '../activations.js';
import { ensureCapacity } from '../allocate.js';
import type { FieldSchemas } from '../spec-fields.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';
import { activationOptions, ALPHA_FIELD, type ActivationOptions } from './common-fields.js';
import type { Layer, LayerEntry, LayerPlan } from './layer.js';
import { activationNodes, channelAxis } from './lowering.js';

export interface ActivationLayerSpec extends ActivationOptions {
  type: 'activation';
}

const ACTIVATION_LAYER_FIELDS = {
  activation: { kind: 'enum', values: ACTIVATIONS, required: true },
  alpha: ALPHA_FIELD,
} as const satisfies FieldSchemas;

export const activationLayer: LayerEntry<ActivationLayerSpec, typeof ACTIVATION_LAYER_FIELDS, null> = {
  type: 'activation',
  fields: ACTIVATION_LAYER_FIELDS,
  normalize: (values, ctx, given) => ({ type: 'activation', ...activationOptions(values, ctx, given) }),
  infer: (_spec, input) => ({ outputShape: [...input.shape], flattenedFrom: input.flattenedFrom, tensors: [], flops: 0, scratch: 0, detail: null }),
  create: (plan, _tensors, precision) => new ActivationLayer(plan, precision),
  graph: (plan, _tensors, layout) => ({
    layout,
    initializers: [],
    nodes: activationNodes(plan.spec.activation, plan.spec.alpha, 'input', channelAxis(plan.input.shape, layout)),
  }),
};

export class ActivationLayer implements Layer {
  readonly type = 'activation' as const;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly activation: Activation;
  preActivation: Float | null = null;
  private readonly width: number;
  private readonly size: number;
  private y: Float | null = null;
  private dx: Float | null = null;

  constructor(plan: LayerPlan<ActivationLayerSpec>, private readonly precision: Precision) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.activation = createActivation(plan.spec.activation, plan.spec.alpha);
    this.size = sizeOf(this.inputShape);
    this.width = this.inputShape[this.inputShape.length - 1];
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
