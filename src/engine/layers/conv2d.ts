// 2-D convolution as im2col + matrix multiply, for every stride and padding.
// Shape: input [N, H, W, C] -> output [N, H', W', F]. Weight [kH, kW, C, F] (PyTorch: [F, C, kH, kW]).
// Backward: dW = colsᵀ·dz, dcols = dz·Wᵀ, then col2im scatters dcols back, honouring the stride
// and padding. The batch goes through in chunks of a few images so the patch matrix stays in cache
// (and its memory small); backward rebuilds a chunk's patches rather than keeping the whole batch's.
// Inference graph: Conv on NCHW with explicit pads (Keras "same" may pad one more at the end).

import { ensureCapacity } from '../allocate.js';
import type { GraphNode } from '../graph.js';
import { col2im, im2col } from '../kernels/im2col.js';
import { getKernel } from '../kernels/kernel.js';
import type { Window2d } from '../kernels/window2d.js';
import type { FieldSchemas, Pair } from '../spec-fields.js';
import type { Float, Precision, Shape } from '../tensor.js';
import { ActivationStage, sumRows } from './activation-stage.js';
import {
  activationOptions, OUTPUT_ACTIVATION_FIELDS, requireImage, WEIGHT_FIELDS, weightOptions,
  type ActivationOptions, type WeightOptions,
} from './common-fields.js';
import { MAX_WINDOW, window2d, type PaddingSpec } from './geometry.js';
import type { Layer, LayerEntry, LayerPlan } from './layer.js';
import { activationNodes, torchLayout, windowAttributes } from './lowering.js';
import type { LayerTensors, Parameter, TensorSpec } from './tensors.js';

export interface Conv2dSpec extends ActivationOptions, WeightOptions {
  type: 'conv2d';
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  padding: PaddingSpec;
}

const CONV2D_FIELDS = {
  filters: { kind: 'integer', min: 1, max: 65_536, required: true },
  kernelSize: { kind: 'pair', max: MAX_WINDOW, required: true },
  strides: { kind: 'pair', max: MAX_WINDOW, default: 1 },
  padding: { kind: 'enumOrInteger', values: ['valid', 'same'], min: 0, max: MAX_WINDOW, default: 'valid' },
  ...OUTPUT_ACTIVATION_FIELDS,
  ...WEIGHT_FIELDS,
} as const satisfies FieldSchemas;

export const conv2dLayer: LayerEntry<Conv2dSpec, typeof CONV2D_FIELDS, Window2d> = {
  type: 'conv2d',
  fields: CONV2D_FIELDS,
  normalize(values, ctx, given) {
    const { filters, kernelSize, strides, padding } = values;
    const activation = activationOptions(values, ctx, given);
    return { type: 'conv2d', filters, kernelSize, strides, padding, ...activation, ...weightOptions(values, activation.activation) };
  },
  infer(spec, input, ctx) {
    requireImage(input.shape, ctx);
    const g = window2d(input.shape, spec.kernelSize, spec.strides, spec.padding, ctx, 'kernelSize');
    const { kH, kW, channels } = g;
    const filters = spec.filters;
    const patch = kH * kW * channels;
    const positions = g.outH * g.outW;
    const fans = { fanIn: patch, fanOut: kH * kW * filters };
    const tensors: TensorSpec[] = [{
      name: 'weight', role: 'parameter', shape: [kH, kW, channels, filters], torchShape: [filters, channels, kH, kW],
      toTorchIndex: (flat) => {
        const f = flat % filters;
        let rest = (flat - f) / filters;
        const c = rest % channels;
        rest = (rest - c) / channels;
        const kx = rest % kW;
        const ky = (rest - kx) / kW;
        return ((f * channels + c) * kH + ky) * kW + kx;
      },
      init: { initializer: spec.kernelInitializer, ...fans },
    }];
    if (spec.useBias) tensors.push({ name: 'bias', role: 'parameter', shape: [filters], torchShape: [filters], init: { initializer: spec.biasInitializer, ...fans } });
    const biasAdds = spec.useBias ? filters : 0;
    return {
      outputShape: [g.outH, g.outW, filters],
      flattenedFrom: null,
      tensors,
      flops: positions * filters * (2 * patch) + positions * biasAdds,
      scratch: 2 * positions * patch,
      detail: g,
    };
  },
  create: (plan, tensors, precision) => new Conv2dLayer(plan, tensors, precision),
  graph(plan, tensors) {
    const bias = tensors.optionalParam('bias');
    const initializers = [torchLayout(tensors.param('weight')), ...(bias ? [torchLayout(bias)] : [])];
    const conv: GraphNode = { op: 'Conv', inputs: ['input', ...initializers.map((t) => t.name)], outputs: ['z'], attributes: windowAttributes(plan.detail) };
    return { layout: 'channelsFirst', initializers, nodes: [conv, ...activationNodes(plan.spec.activation, plan.spec.alpha, 'z', 1)] };
  },
};

/**
 * About 1 MiB of float32 patches per chunk: the chunk's patch matrix stays in L2 between im2col and
 * gemm (the best of 128 KiB to 4 MiB on the benchmark machine).
 */
const CHUNK_FLOATS = 262144;

export class Conv2dLayer implements Layer {
  readonly type = 'conv2d' as const;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly g: Window2d;
  private readonly weight: Parameter;
  private readonly bias: Parameter | null;
  private readonly stage: ActivationStage;
  private readonly patchSize: number;
  /** Elements of one input image. */
  private readonly imageSize: number;
  /** Images per im2col chunk: their patches (about CHUNK_FLOATS floats) stay in cache for the multiply. */
  private readonly chunkImages: number;
  private input: Float | null = null;
  private cols: Float | null = null;
  /** The first image whose patches cols holds (-1: none), and whether they are laid out transposed. */
  private colsFirstImage = -1;
  private colsTransposed = false;
  private dcols: Float | null = null;
  private dx: Float | null = null;

  constructor(plan: LayerPlan<Conv2dSpec, Window2d>, tensors: LayerTensors, private readonly precision: Precision) {
    const g = this.g = plan.detail;
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.patchSize = g.kH * g.kW * g.channels;
    this.imageSize = g.inH * g.inW * g.channels;
    this.chunkImages = Math.max(1, Math.floor(CHUNK_FLOATS / (g.outH * g.outW * this.patchSize)));
    this.weight = tensors.param('weight');
    this.bias = tensors.optionalParam('bias');
    this.stage = new ActivationStage(plan.spec.activation, plan.spec.alpha, precision);
  }

  get activation() { return this.stage.activation; }
  get preActivation() { return this.stage.z; }

  forward(input: Float, batch: number): Float {
    const { filters, rowsPerImage, patchSize: k } = this.sizes();
    this.input = input;
    this.cols = ensureCapacity(this.cols, this.precision, Math.min(this.chunkImages, batch) * rowsPerImage * k);
    const z = this.stage.preBuffer(batch * rowsPerImage * filters);
    const bias = this.bias?.value ?? null;
    const kernel = getKernel();
    let fused = true;
    for (let first = 0; first < batch; first += this.chunkImages) {
      const images = Math.min(this.chunkImages, batch - first);
      const rows = images * rowsPerImage;
      const transposed = this.patches(input, first, images);
      const lda = transposed ? rows : k;
      // Bias and activation inside the multiply, or else while the chunk's outputs are still in cache.
      // Only when the kernel can do neither (then for no chunk) does the whole batch go through apply.
      if (this.stage.multiplyFused(transposed, rows, filters, k, this.cols, lda, this.weight.value, bias, first * rowsPerImage)) continue;
      kernel.gemm(transposed, false, rows, filters, k, this.cols, 0, lda, this.weight.value, 0, filters, z, first * rowsPerImage * filters, filters, false);
      fused = fused && this.stage.applyFused(bias, first * rowsPerImage, rows, filters);
    }
    // The last chunk's patches stay in cols: backward starts with that chunk and skips its im2col.
    return fused ? this.stage.output : this.stage.apply(bias, batch * rowsPerImage, filters);
  }

  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null {
    const { filters, rowsPerImage, patchSize: k } = this.sizes();
    const dz = this.stage.backward(grad, batch * rowsPerImage * filters, filters, gradIsPreActivation);
    if (this.bias) sumRows(dz, this.bias.grad, batch * rowsPerImage, filters);
    const kernel = getKernel();
    if (needInputGrad) {
      this.dcols = ensureCapacity(this.dcols, this.precision, Math.min(this.chunkImages, batch) * rowsPerImage * k);
      this.dx = ensureCapacity(this.dx, this.precision, batch * this.imageSize);
    }
    // Chunks from last to first, so the first one reuses the patches forward left in cols.
    const lastFirst = batch - 1 - ((batch - 1) % this.chunkImages);
    for (let first = lastFirst; first >= 0; first -= this.chunkImages) {
      const images = Math.min(this.chunkImages, batch - first);
      const rows = images * rowsPerImage;
      const dzOffset = first * rowsPerImage * filters;
      const transposed = first === this.colsFirstImage ? this.colsTransposed : this.patches(this.input!, first, images);
      // dW (+)= colsᵀ·dz, whichever way cols is laid out.
      kernel.gemm(!transposed, false, k, filters, rows, this.cols!, 0, transposed ? rows : k, dz, dzOffset, filters, this.weight.grad, 0, filters, first !== lastFirst);
      if (!needInputGrad) continue;
      kernel.gemm(false, true, rows, k, filters, dz, dzOffset, filters, this.weight.value, 0, filters, this.dcols!, 0, k, false);
      (kernel.col2im ?? col2im)(this.dcols!, images, this.g, this.dx!, first * this.imageSize);
    }
    return needInputGrad ? this.dx : null;
  }

  /**
   * The patches of `images` images from image `first` into cols: transposed (patch element-major)
   * when the kernel builds that faster (one-channel inputs), else im2col's layout. Returns which.
   */
  private patches(input: Float, first: number, images: number): boolean {
    const kernel = getKernel();
    const rows = images * this.g.outH * this.g.outW;
    const transposed = kernel.im2colTransposed?.(input, first * this.imageSize, images, this.g, this.cols!, rows) ?? false;
    if (!transposed) (kernel.im2col ?? im2col)(input, first * this.imageSize, images, this.g, this.cols!);
    this.colsFirstImage = first;
    this.colsTransposed = transposed;
    return transposed;
  }

  private sizes() {
    return { filters: this.outputShape[2], rowsPerImage: this.g.outH * this.g.outW, patchSize: this.patchSize };
  }
}
