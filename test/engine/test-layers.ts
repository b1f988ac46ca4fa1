// A layer type that exists only in tests, to prove the registry's buffer mechanism before a real
// layer (batchNorm) uses it: `trackMean` is the identity, and in training it keeps a running mean
// of its input per feature (a float buffer) and counts its training batches (an int64 buffer),
// with PyTorch's names for them. `center` subtracts a buffer taken from the data. Both lower to an
// inference graph the way a real layer would (the identity; Sub of the mean over the last axis).

import { LAYERS, type ForwardContext, type Layer, type LayerBuffer, type LayerEntry, type LayerPlan, type LayerTensors } from '../../src/engine/index.js';

export interface TrackMeanSpec {
  type: 'trackMean';
  momentum: number;
}

const FIELDS = { momentum: { kind: 'number', min: 0, max: 1, default: 0.1 } } as const;

export const trackMeanLayer: LayerEntry<TrackMeanSpec, typeof FIELDS, null> = {
  type: 'trackMean',
  fields: FIELDS,
  normalize: ({ momentum }) => ({ type: 'trackMean', momentum }),
  infer(_spec, input) {
    const features = input.shape[input.shape.length - 1];
    return {
      outputShape: [...input.shape],
      flattenedFrom: input.flattenedFrom,
      tensors: [
        { name: 'running_mean', role: 'buffer', shape: [features], torchShape: [features], init: { constant: 0 } },
        { name: 'num_batches_tracked', role: 'buffer', shape: [], torchShape: [], init: { constant: 0 }, dtype: 'int64' },
      ],
      flops: 0,
      scratch: 0,
      detail: null,
    };
  },
  create: (plan, tensors) => new TrackMean(plan, tensors),
  graph: (_plan, _tensors, layout) => ({ layout, initializers: [], nodes: [] }),
};

export const WITH_TRACK_MEAN = LAYERS.with(trackMeanLayer);

class TrackMean implements Layer {
  readonly type = 'trackMean';
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly momentum: number;
  private readonly mean: LayerBuffer;
  private readonly batches: LayerBuffer;

  constructor(plan: LayerPlan<TrackMeanSpec>, tensors: LayerTensors) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.momentum = plan.spec.momentum;
    this.mean = tensors.buffer('running_mean');
    this.batches = tensors.buffer('num_batches_tracked');
  }

  forward(input: Float32Array | Float64Array, batch: number, ctx: ForwardContext) {
    if (ctx.training) {
      const features = this.mean.value.length;
      const rows = (batch * this.inputShape.reduce((a, b) => a * b, 1)) / features;
      for (let f = 0; f < features; f++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += input[r * features + f];
        this.mean.value[f] = (1 - this.momentum) * this.mean.value[f] + this.momentum * (sum / rows);
      }
      this.batches.value[0] += 1;
    }
    return input;
  }

  backward(grad: Float32Array | Float64Array, _batch: number, _pre: boolean, needInputGrad: boolean) {
    return needInputGrad ? grad : null;
  }
}

export interface CenterSpec {
  type: 'center';
}

/**
 * `center` subtracts a per-feature mean that is not trained but taken from the training data
 * (Layer.adapt), the way the normalize layer of API.md takes its mean and variance.
 */
export const centerLayer: LayerEntry<CenterSpec, Record<string, never>, null> = {
  type: 'center',
  fields: {},
  normalize: () => ({ type: 'center' }),
  infer(_spec, input) {
    const features = input.shape[input.shape.length - 1];
    return {
      outputShape: [...input.shape],
      flattenedFrom: input.flattenedFrom,
      tensors: [{ name: 'mean', role: 'buffer', shape: [features], torchShape: [features], init: { constant: 0 } }],
      flops: 0,
      scratch: 0,
      detail: null,
    };
  },
  create: (plan, tensors) => new Center(plan, tensors),
  // The mean is per last spec axis, which is the last axis of a channels-last value.
  graph: (_plan, tensors) => ({
    layout: 'channelsLast',
    initializers: [{ name: 'mean', dims: [tensors.buffer('mean').value.length], data: Float32Array.from(tensors.buffer('mean').value) }],
    nodes: [{ op: 'Sub', inputs: ['input', 'mean'], outputs: ['y'] }],
  }),
};

export const WITH_TEST_LAYERS = LAYERS.with(trackMeanLayer, centerLayer);

class Center implements Layer {
  readonly type = 'center';
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly mean: LayerBuffer;
  private y = new Float64Array(0);

  constructor(plan: LayerPlan<CenterSpec>, tensors: LayerTensors) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.mean = tensors.buffer('mean');
  }

  adapt(input: Float32Array | Float64Array, count: number) {
    const features = this.mean.value.length;
    const rows = (count * this.inputShape.reduce((a, b) => a * b, 1)) / features;
    for (let f = 0; f < features; f++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += input[r * features + f];
      this.mean.value[f] = sum / rows;
    }
  }

  forward(input: Float32Array | Float64Array, batch: number) {
    const n = batch * this.inputShape.reduce((a, b) => a * b, 1);
    if (this.y.length < n) this.y = new Float64Array(n);
    const features = this.mean.value.length;
    for (let i = 0; i < n; i++) this.y[i] = input[i] - this.mean.value[i % features];
    return this.y;
  }

  backward(grad: Float32Array | Float64Array, _batch: number, _pre: boolean, needInputGrad: boolean) {
    return needInputGrad ? grad : null;
  }
}
