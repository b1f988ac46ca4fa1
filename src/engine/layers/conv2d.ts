// 2-D convolution (seed section 2) as im2col + one matrix multiply, for every stride and padding.
// Shape: input [N, H, W, C] -> output [N, H', W', F]. Weight [kH, kW, C, F] (PyTorch: [F, C, kH, kW]).
// Backward: dW = colsᵀ·dz, dcols = dz·Wᵀ, then col2im scatters dcols back, honouring the stride
// and padding (the seed's version ignores both).

import { getKernel } from '../kernels/kernel.js';
import type { Conv2dSpec } from '../spec.js';
import { ensureCapacity, type Float, type Precision, type Shape } from '../tensor.js';
import { addBias, sumRows } from './dense.js';
import type { Window2d } from './geometry.js';
import { ActivationStage, makeParameter, type Layer, type Parameter } from './layer.js';

export class Conv2dLayer implements Layer {
  readonly type = 'conv2d' as const;
  readonly outputShape: Shape;
  readonly params: Parameter[];
  private readonly weight: Parameter;
  private readonly bias: Parameter | null;
  private readonly stage: ActivationStage;
  private readonly patchSize: number;
  private cols: Float | null = null;
  private dcols: Float | null = null;
  private dx: Float | null = null;

  constructor(
    readonly index: number, spec: Conv2dSpec, readonly inputShape: Shape,
    private readonly g: Window2d, private readonly precision: Precision,
  ) {
    const filters = spec.filters;
    this.outputShape = [g.outH, g.outW, filters];
    this.patchSize = g.kH * g.kW * g.channels;
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
    const rows = batch * this.g.outH * this.g.outW;
    const filters = this.outputShape[2];
    this.cols = ensureCapacity(this.cols, this.precision, rows * this.patchSize);
    im2col(input, batch, this.g, this.cols);
    const z = this.stage.preBuffer(rows * filters);
    getKernel().gemm(false, false, rows, filters, this.patchSize, this.cols, 0, this.patchSize, this.weight.value, 0, filters, z, 0, filters, false);
    if (this.bias) addBias(z, this.bias.value, rows, filters);
    return this.stage.apply(rows * filters, filters);
  }

  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null {
    const rows = batch * this.g.outH * this.g.outW;
    const filters = this.outputShape[2];
    const k = this.patchSize;
    const dz = this.stage.backward(grad, rows * filters, filters, gradIsPreActivation);
    const kernel = getKernel();
    kernel.gemm(true, false, k, filters, rows, this.cols!, 0, k, dz, 0, filters, this.weight.grad, 0, filters, false);
    if (this.bias) sumRows(dz, this.bias.grad, rows, filters);
    if (!needInputGrad) return null;
    this.dcols = ensureCapacity(this.dcols, this.precision, rows * k);
    kernel.gemm(false, true, rows, k, filters, dz, 0, filters, this.weight.value, 0, filters, this.dcols, 0, k, false);
    this.dx = ensureCapacity(this.dx, this.precision, batch * this.g.inH * this.g.inW * this.g.channels);
    col2im(this.dcols, batch, this.g, this.dx);
    return this.dx;
  }
}

/** cols[(n, oy, ox), (ky, kx, c)] = x[n, oy·sH - padTop + ky, ox·sW - padLeft + kx, c], zero outside. */
export function im2col(x: Float, batch: number, g: Window2d, cols: Float): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  const rowLength = kW * C;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inH * inW * C;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padLeft;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) {
            cols.fill(0, o, o + rowLength);
            o += rowLength;
            continue;
          }
          const rowBase = image + iy * inW * C;
          for (let kx = 0; kx < kW; kx++) {
            const ix = x0 + kx;
            if (ix < 0 || ix >= inW) {
              cols.fill(0, o, o + C);
            } else {
              const src = rowBase + ix * C;
              for (let c = 0; c < C; c++) cols[o + c] = x[src + c];
            }
            o += C;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[n, iy, ix, c] = Σ over every patch that read it. */
export function col2im(dcols: Float, batch: number, g: Window2d, dx: Float): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  dx.fill(0, 0, batch * inH * inW * C);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inH * inW * C;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padLeft;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) {
            o += kW * C;
            continue;
          }
          const rowBase = image + iy * inW * C;
          for (let kx = 0; kx < kW; kx++) {
            const ix = x0 + kx;
            if (ix >= 0 && ix < inW) {
              const dst = rowBase + ix * C;
              for (let c = 0; c < C; c++) dx[dst + c] += dcols[o + c];
            }
            o += C;
          }
        }
      }
    }
  }
}
