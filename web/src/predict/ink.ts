// Drawing-pad pixels to model input: the pad is drawn white (ink) on black at k times the model's
// h x w, read as ink 1.0 on background 0.0, and averaged over k x k blocks (what the digit would look
// like at the model's resolution, anti-aliased). Pure: no DOM, tested in npm test.

/** Red channel of RGBA bytes as ink in [0, 1] (the pad is greyscale, so any channel would do). */
export function inkFromRgba(rgba: ArrayLike<number>): Float32Array {
  const ink = new Float32Array(rgba.length / 4);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4] / 255;
  return ink;
}

/** Averages a srcW x srcH grid (row-major) into dstW x dstH; the sizes must divide exactly. */
export function blockAverage(src: ArrayLike<number>, srcW: number, srcH: number, dstW: number, dstH: number): Float32Array {
  if (srcW % dstW !== 0 || srcH % dstH !== 0) throw new Error(`${srcW}x${srcH} does not divide into ${dstW}x${dstH}`);
  const kx = srcW / dstW;
  const ky = srcH / dstH;
  const out = new Float32Array(dstW * dstH);
  for (let y = 0; y < srcH; y++) {
    const row = Math.floor(y / ky) * dstW;
    for (let x = 0; x < srcW; x++) out[row + Math.floor(x / kx)] += src[y * srcW + x];
  }
  for (let i = 0; i < out.length; i++) out[i] /= kx * ky;
  return out;
}

/** The pad's scale: each model pixel becomes k x k pad pixels, the pad about `target` pixels wide. */
export const padScale = (h: number, w: number, target = 280): number => Math.max(1, Math.ceil(target / Math.max(h, w)));
