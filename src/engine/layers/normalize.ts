// Input standardization from the training data (Keras' Normalization layer, with API.md's rules):
// y = (x - mean) / sqrt(variance + 1e-7) per feature (per channel of an image), with the
// population mean and variance (divide by n) of the job's training samples. `adapt` sets them once,
// when a new trainer first fits (the validation split excluded); after that they are frozen buffers:
// checkpoints, resumes and imported weights keep them, and nothing trains them.
// Only the first layer may be a normalize: it standardizes the data itself.
// Shape: unchanged. Tensors: mean, variance (buffers).
// Inference graph: y = (x - mean)·scale per feature (Sub, Mul), scale = 1/sqrt(variance + 1e-7).

import { ensureCapacity } from '../allocate.js';
import { specError } from '../spec-fields.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';
import type { Layer, LayerEntry, LayerPlan } from './layer.js';
import { centerScaleShift, featureConstant, featureMoments, featuresOf, featureTorchIndex, rowsOf } from './per-feature.js';
import type { LayerBuffer, LayerTensors } from './tensors.js';

/** Keeps a constant feature (variance 0, such as an always-blank pixel) finite. */
export const NORMALIZE_EPSILON = 1e-7;

export interface NormalizeSpec {
  type: 'normalize';
}

export const normalizeLayer: LayerEntry<NormalizeSpec, Record<string, never>, null> = {
  type: 'normalize',
  fields: {},
  normalize: () => ({ type: 'normalize' }),
  infer(_spec, input, ctx) {
    if (!input.isModelInput) throw specError(ctx, null, 'normalize standardizes the data itself, so it must be the first layer');
    const features = featuresOf(input.shape);
    const toTorchIndex = featureTorchIndex(input);
    return {
      outputShape: [...input.shape],
      flattenedFrom: input.flattenedFrom,
      tensors: [
        { name: 'mean', role: 'buffer', shape: [features], torchShape: [features], toTorchIndex, init: { constant: 0 } },
        { name: 'variance', role: 'buffer', shape: [features], torchShape: [features], toTorchIndex, init: { constant: 1 } },
      ],
      // An affine map per element, counted as the one multiply-add it folds into.
      flops: 2 * sizeOf(input.shape),
      scratch: 0,
      detail: null,
    };
  },
  create: (plan, tensors, precision) => new NormalizeLayer(plan, tensors, precision),
  graph(plan, tensors, layout) {
    const mean = tensors.buffer('mean').value;
    const scale = inverseStd(tensors.buffer('variance'), new Float64Array(mean.length));
    return {
      layout,
      initializers: [featureConstant('mean', mean, plan.input.shape, layout), featureConstant('scale', scale, plan.input.shape, layout)],
      nodes: [
        { op: 'Sub', inputs: ['input', 'mean'], outputs: ['centered'] },
        { op: 'Mul', inputs: ['centered', 'scale'], outputs: ['y'] },
      ],
    };
  },
};

/** 1/sqrt(variance + 1e-7) per feature, in float64. */
function inverseStd(variance: LayerBuffer, scale: Float64Array): Float64Array {
  for (let f = 0; f < scale.length; f++) scale[f] = 1 / Math.sqrt(variance.value[f] + NORMALIZE_EPSILON);
  return scale;
}

export class NormalizeLayer implements Layer {
  readonly type = 'normalize' as const;
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly features: number;
  private readonly mean: LayerBuffer;
  private readonly variance: LayerBuffer;
  private readonly center: Float64Array;
  private readonly scale: Float64Array;
  private readonly noCenter: Float64Array;
  private y: Float | null = null;
  private dx: Float | null = null;

  constructor(plan: LayerPlan<NormalizeSpec>, tensors: LayerTensors, private readonly precision: Precision) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.features = featuresOf(this.inputShape);
    this.mean = tensors.buffer('mean');
    this.variance = tensors.buffer('variance');
    this.center = new Float64Array(this.features);
    this.scale = new Float64Array(this.features);
    this.noCenter = new Float64Array(this.features);
  }

  adapt(input: Float, count: number): void {
    const rows = rowsOf(this.inputShape, count);
    if (rows === 0) return;
    const mean = new Float64Array(this.features);
    const variance = new Float64Array(this.features);
    featureMoments(input, rows, this.features, mean, variance);
    this.mean.value.set(mean);
    this.variance.value.set(variance);
  }

  forward(input: Float, batch: number): Float {
    const rows = rowsOf(this.inputShape, batch);
    this.y = ensureCapacity(this.y, this.precision, rows * this.features);
    // From the stored (float32) buffers each time: they change when adapted or loaded.
    this.center.set(this.mean.value);
    inverseStd(this.variance, this.scale);
    centerScaleShift(input, this.y, rows, this.features, this.center, this.scale, null);
    return this.y;
  }

  backward(grad: Float, batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    if (!needInputGrad) return null;
    const rows = rowsOf(this.inputShape, batch);
    const dx = this.dx = ensureCapacity(this.dx, this.precision, rows * this.features);
    // dx = dy / sqrt(variance + 1e-7): the same per-feature scaling, with nothing to subtract.
    centerScaleShift(grad, dx, rows, this.features, this.noCenter, this.scale, null);
    return dx;
  }
}
