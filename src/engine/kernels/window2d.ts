// The geometry of a 2-D sliding window over a channels-last image, as the kernels (im2col, col2im,
// pooling) consume it. Layers compute it once during shape inference (layers/geometry.ts).

export interface Window2d {
  inH: number; inW: number; channels: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  outH: number; outW: number;
}
