// Batch normalization with PyTorch's semantics (BatchNorm1d over the features of [n], BatchNorm2d
// over the channels of [h, w, c]; the engine's last axis either way):
// - training: x̂ = (x - mean) / sqrt(var + eps) with the batch's mean and biased variance, y = γ·x̂ + β;
//   running_mean and running_var (with the unbiased batch variance) move by `momentum`, and
//   num_batches_tracked counts the batch;
// - inference (predict, evaluate, validation, ONNX): the same with the running statistics.
// A training batch with one value per feature has no unbiased variance (PyTorch refuses it): it
// normalizes to zero (y = β) and leaves the running statistics and the counter as they were.
// Shape: unchanged. Tensors (state_dict order): weight γ, bias β (parameters), running_mean,
// running_var, num_batches_tracked (int64 scalar) (buffers).
// Inference graph: y = (x - running_mean)·scale + β with scale = γ/sqrt(running_var + eps) per
// feature (Sub, Mul, Add), in whatever layout the value arrives.

import { ensureCapacity } from '../allocate.js';
import type { FieldSchemas } from '../spec-fields.js';
import { sizeOf, type Float, type Precision, type Shape } from '../tensor.js';
import type { ForwardContext, Layer, LayerEntry, LayerPlan } from './layer.js';
import { blockRows, centerScaleShift, featureConstant, featureMoments, featuresOf, featureTorchIndex, rowsOf } from './per-feature.js';
import type { LayerBuffer, LayerTensors, Parameter } from './tensors.js';

export interface BatchNormSpec {
  type: 'batchNorm';
  momentum: number;
  epsilon: number;
}

const BATCH_NORM_FIELDS = {
  momentum: { kind: 'number', min: 0, max: 1, default: 0.1 },
  epsilon: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 1e-5 },
} as const satisfies FieldSchemas;

export const batchNormLayer: LayerEntry<BatchNormSpec, typeof BATCH_NORM_FIELDS, null> = {
  type: 'batchNorm',
  fields: BATCH_NORM_FIELDS,
  normalize: ({ momentum, epsilon }) => ({ type: 'batchNorm', momentum, epsilon }),
  infer(_spec, input) {
    const features = featuresOf(input.shape);
    const toTorchIndex = featureTorchIndex(input);
    const perFeature = (name: string, role: 'parameter' | 'buffer', constant: number) =>
      ({ name, role, shape: [features], torchShape: [features], toTorchIndex, init: { constant } });
    return {
      outputShape: [...input.shape],
      flattenedFrom: input.flattenedFrom,
      tensors: [
        perFeature('weight', 'parameter', 1),
        perFeature('bias', 'parameter', 0),
        perFeature('running_mean', 'buffer', 0),
        perFeature('running_var', 'buffer', 1),
        { name: 'num_batches_tracked', role: 'buffer', shape: [], torchShape: [], init: { constant: 0 }, dtype: 'int64' },
      ],
      // At inference an affine map per element, counted as the one multiply-add it folds into.
      flops: 2 * sizeOf(input.shape),
      scratch: 0,
      detail: null,
    };
  },
  create: (plan, tensors, precision) => new BatchNormLayer(plan, tensors, precision),
  graph(plan, tensors, layout) {
    const scale = inferenceScale(tensors, plan.spec.epsilon, new Float64Array(tensors.param('weight').value.length));
    const constant = (name: string, values: ArrayLike<number>) => featureConstant(name, values, plan.input.shape, layout);
    return {
      layout,
      initializers: [constant('mean', tensors.buffer('running_mean').value), constant('scale', scale), constant('bias', tensors.param('bias').value)],
      nodes: [
        { op: 'Sub', inputs: ['input', 'mean'], outputs: ['centered'] },
        { op: 'Mul', inputs: ['centered', 'scale'], outputs: ['scaled'] },
        { op: 'Add', inputs: ['scaled', 'bias'], outputs: ['y'] },
      ],
    };
  },
};

/** γ/sqrt(running_var + eps) per feature, in float64 (and 1/sqrt(running_var + eps) into `invStd`). */
function inferenceScale(tensors: LayerTensors, epsilon: number, scale: Float64Array, invStd?: Float64Array): Float64Array {
  const gamma = tensors.param('weight').value;
  const variance = tensors.buffer('running_var').value;
  for (let f = 0; f < scale.length; f++) {
    const s = 1 / Math.sqrt(variance[f] + epsilon);
    if (invStd) invStd[f] = s;
    scale[f] = gamma[f] * s;
  }
  return scale;
}

export class BatchNormLayer implements Layer {
  readonly type = 'batchNorm' as const;
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly features: number;
  private readonly tensors: LayerTensors;
  private readonly gamma: Parameter;
  private readonly beta: Parameter;
  private readonly runningMean: LayerBuffer;
  private readonly runningVar: LayerBuffer;
  private readonly batches: LayerBuffer;
  // Per-feature float64 working values of the last forward pass, kept for backward.
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private readonly invStd: Float64Array;
  private readonly scale: Float64Array;
  private readonly beta64: Float64Array;
  private readonly sumGrad: Float64Array;
  private readonly sumGradXhat: Float64Array;
  /** Whether the last forward normalized with batch statistics (training) or the running ones. */
  private batchStatistics = false;
  private input: Float | null = null;
  private y: Float | null = null;
  private dx: Float | null = null;

  constructor(plan: LayerPlan<BatchNormSpec>, tensors: LayerTensors, private readonly precision: Precision) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.momentum = plan.spec.momentum;
    this.epsilon = plan.spec.epsilon;
    this.features = featuresOf(this.inputShape);
    this.tensors = tensors;
    this.gamma = tensors.param('weight');
    this.beta = tensors.param('bias');
    this.runningMean = tensors.buffer('running_mean');
    this.runningVar = tensors.buffer('running_var');
    this.batches = tensors.buffer('num_batches_tracked');
    const perFeature = () => new Float64Array(this.features);
    [this.mean, this.variance, this.invStd, this.scale, this.beta64, this.sumGrad, this.sumGradXhat] = Array.from({ length: 7 }, perFeature);
  }

  forward(input: Float, batch: number, ctx: ForwardContext): Float {
    const rows = rowsOf(this.inputShape, batch);
    const features = this.features;
    this.input = input;
    this.y = ensureCapacity(this.y, this.precision, rows * features);
    this.batchStatistics = ctx.training;
    for (let f = 0; f < features; f++) this.beta64[f] = this.beta.value[f];
    if (ctx.training) {
      featureMoments(input, rows, features, this.mean, this.variance);
      const gamma = this.gamma.value;
      for (let f = 0; f < features; f++) {
        this.invStd[f] = 1 / Math.sqrt(this.variance[f] + this.epsilon);
        this.scale[f] = gamma[f] * this.invStd[f];
      }
      if (rows > 1) this.updateRunningStatistics(rows);
    } else {
      inferenceScale(this.tensors, this.epsilon, this.scale, this.invStd);
      for (let f = 0; f < features; f++) this.mean[f] = this.runningMean.value[f];
    }
    centerScaleShift(input, this.y, rows, features, this.mean, this.scale, this.beta64);
    return this.y;
  }

  private updateRunningStatistics(rows: number): void {
    const m = this.momentum;
    const unbiased = rows / (rows - 1);
    for (let f = 0; f < this.features; f++) {
      this.runningMean.value[f] = (1 - m) * this.runningMean.value[f] + m * this.mean[f];
      this.runningVar.value[f] = (1 - m) * this.runningVar.value[f] + m * this.variance[f] * unbiased;
    }
    this.batches.value[0] += 1;
  }

  backward(grad: Float, batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    const rows = rowsOf(this.inputShape, batch);
    const features = this.features;
    const x = this.input!;
    const { mean, invStd, sumGrad, sumGradXhat } = this;
    const step = blockRows(features);
    sumGrad.fill(0);
    sumGradXhat.fill(0);
    for (let r0 = 0; r0 < rows; r0 += step) {
      const end = Math.min(rows, r0 + step) * features;
      for (let f = 0; f < features; f++) {
        const m = mean[f];
        const s = invStd[f];
        let dBeta = 0;
        let dGamma = 0;
        for (let i = r0 * features + f; i < end; i += features) {
          const g = grad[i];
          dBeta += g;
          dGamma += g * (x[i] - m) * s;
        }
        sumGrad[f] += dBeta;
        sumGradXhat[f] += dGamma;
      }
    }
    this.gamma.grad.set(sumGradXhat);
    this.beta.grad.set(sumGrad);
    if (!needInputGrad) return null;
    const dx = this.dx = ensureCapacity(this.dx, this.precision, rows * features);
    const gamma = this.gamma.value;
    for (let r0 = 0; r0 < rows; r0 += step) {
      const end = Math.min(rows, r0 + step) * features;
      for (let f = 0; f < features; f++) {
        if (!this.batchStatistics) {
          // The running statistics are constants: dx = γ/sqrt(running_var + eps) · dy.
          const k = this.scale[f];
          for (let i = r0 * features + f; i < end; i += features) dx[i] = grad[i] * k;
          continue;
        }
        // dx = γ·invStd · (dy - mean(dy) - x̂·mean(dy·x̂)): the batch mean and variance depend on x too.
        const m = mean[f];
        const s = invStd[f];
        const k = gamma[f] * s;
        const meanGrad = sumGrad[f] / rows;
        const meanGradXhat = sumGradXhat[f] / rows;
        for (let i = r0 * features + f; i < end; i += features) dx[i] = k * (grad[i] - meanGrad - (x[i] - m) * s * meanGradXhat);
      }
    }
    return dx;
  }
}
