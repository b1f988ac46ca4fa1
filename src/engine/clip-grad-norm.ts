// Gradient clipping as torch.nn.utils.clip_grad_norm_ (L2 norm over every trainable tensor
// together): when the total norm exceeds maxNorm, every gradient is scaled by maxNorm / (norm + 1e-6).

import type { Float } from './tensor.js';

/** Scales `grads` in place when needed; returns the total norm before clipping. */
export function clipGradNorm(grads: readonly Float[], maxNorm: number): number {
  let sumSquares = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sumSquares += g[i] * g[i];
  const norm = Math.sqrt(sumSquares);
  const coefficient = maxNorm / (norm + 1e-6);
  // torch multiplies by min(coefficient, 1) always; skipping the multiply by 1 changes no bits.
  if (coefficient < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coefficient;
  return norm;
}
