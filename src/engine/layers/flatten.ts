// Flatten: a reshape to [N, features]. NHWC data is already contiguous, so forward and backward pass
// their buffers through. PyTorch flattens NCHW in (c, h, w) order, so the image shape is handed on
// to the next layers' per-feature tensors (a dense weight's columns) for their PyTorch layout.
// Shape: input [N, ...] -> output [N, prod(...)].
// Inference graph: ONNX Flatten of the NHWC value, so the features come in the engine's order.

import { intAttr } from '../graph.js';
import type { Float, Shape } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Layer, LayerEntry, LayerPlan } from './layer.js';

export interface FlattenSpec {
  type: 'flatten';
}

export const flattenLayer: LayerEntry<FlattenSpec, Record<string, never>, null> = {
  type: 'flatten',
  fields: {},
  normalize: () => ({ type: 'flatten' }),
  infer: (_spec, input) => ({
    outputShape: [sizeOf(input.shape)],
    // Flattening something already flat changes nothing: its features keep the order they had.
    flattenedFrom: input.shape.length === 3 ? input.shape : input.flattenedFrom,
    tensors: [],
    flops: 0,
    scratch: 0,
    detail: null,
  }),
  create: (plan) => new FlattenLayer(plan),
  graph: (plan) => ({
    layout: 'channelsLast',
    initializers: [],
    nodes: plan.input.shape.length === 1 ? [] : [{ op: 'Flatten', inputs: ['input'], outputs: ['y'], attributes: { axis: intAttr(1) } }],
  }),
};

export class FlattenLayer implements Layer {
  readonly type = 'flatten' as const;
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;

  constructor(plan: LayerPlan<FlattenSpec>) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
  }

  forward(input: Float): Float {
    return input;
  }

  backward(grad: Float, _batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    return needInputGrad ? grad : null;
  }
}
