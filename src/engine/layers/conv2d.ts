// 2-D convolution (seed section 2) as im2col + matrix multiply, for every stride and padding.
// Shape: input [N, H, W, C] -> output [N, H', W', F]. Weight [kH, kW, C, F] (PyTorch: [F, C, kH, kW]).
// Backward: dW = colsᵀ·dz, dcols = dz·Wᵀ, then col2im scatters dcols back, honouring the stride
// and padding (the seed's version ignores both). The batch goes through in chunks of a few images so
// the patch matrix stays in cache (and its memory small); backward rebuilds a chunk's patches rather
// than keeping the whole batch's.

import { col2im, im2col } from '../kernels/im2col.js';
import { getKernel } from '../kernels/kernel.js';
import type { Conv2dSpec } from '../spec.js';
import { ensureCapacity } from '../allocate.js';
import type { Float, Precision, Shape } from '../tensor.js';
import type { Window2d } from '../kernels/window2d.js';
import { ActivationStage, makeParameter, sumRows, type Layer, type Parameter } from './layer.js';

/**
 * About 1 MiB of float32 patches per chunk: the chunk's patch matrix stays in L2 between im2col and
 * gemm (the best of 128 KiB to 4 MiB on the benchmark machine).
 */
const CHUNK_FLOATS = 262144;

export class Conv2dLayer implements Layer {
  readonly type = 'conv2d' as const;
  readonly outputShape: Shape;
  readonly params: Parameter[];
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

  constructor(
    readonly index: number, spec: Conv2dSpec, readonly inputShape: Shape,
    private readonly g: Window2d, private readonly precision: Precision,
  ) {
    const filters = spec.filters;
    this.outputShape = [g.outH, g.outW, filters];
    this.patchSize = g.kH * g.kW * g.channels;
    this.imageSize = g.inH * g.inW * g.channels;
    this.chunkImages = Math.max(1, Math.floor(CHUNK_FLOATS / (g.outH * g.outW * this.patchSize)));
    const { kH, kW, channels } = g;
    this.weight = makeParameter('weight', [kH, kW, channels, filters], [filters, channels, kH, kW], precision, (flat) => {
      const f = flat % filters;
      let rest = (flat - f) / filters;
      const c = rest % channels;
      rest = (rest - c) / channels;
      const kx = rest % kW;
      const ky = (rest - kx) / kW;
      return ((f * channels + c) * kH + ky) * kW + kx;
    });
    this.bias = spec.useBias === false ? null : makeParameter('bias', [filters], [filters], precision);
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    this.stage = new ActivationStage(spec.activation ?? 'linear', spec.alpha, precision);
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
