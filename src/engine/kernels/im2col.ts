// im2col and its adjoint col2im for channels-last images: the reference TypeScript versions that
// conv2d uses unless the kernel brings faster ones (see MatMulKernel).

import type { Float } from '../tensor.js';
import type { Window2d } from './window2d.js';

/**
 * cols[(n, oy, ox), (ky, kx, c)] = x[n, oy·sH - padTop + ky, ox·sW - padLeft + kx, c], zero outside,
 * for the `images` images starting at element `xOffset` of x.
 */
export function im2col(x: Float, xOffset: number, images: number, g: Window2d, cols: Float): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  const rowLength = kW * C;
  let o = 0;
  for (let n = 0; n < images; n++) {
    const image = xOffset + n * inH * inW * C;
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

/** The adjoint of im2col: dx[n, iy, ix, c] = Σ over every patch that read it (overwrites those images of dx). */
export function col2im(dcols: Float, images: number, g: Window2d, dx: Float, dxOffset: number): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  dx.fill(0, dxOffset, dxOffset + images * inH * inW * C);
  let o = 0;
  for (let n = 0; n < images; n++) {
    const image = dxOffset + n * inH * inW * C;
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
