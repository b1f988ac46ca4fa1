// What dense and conv2d share: the bias add, the bias gradient and the activation step at the end
// of their forward pass (fused into the kernel's multiply when it can).

import { createActivation, type Activation, type ActivationName } from '../activations.js';
import { ensureCapacity } from '../allocate.js';
import { getKernel } from '../kernels/kernel.js';
import type { Float, Precision } from '../tensor.js';

/** z[r, j] += bias[j] for each of `rows` rows (the reference for the kernel's fused version). */
export function addBias(z: Float, bias: Float, rows: number, width: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += width) {
    for (let j = 0; j < width; j++) z[o + j] += bias[j];
  }
}

/** out[j] = Σ_r x[r, j]: the bias gradient, from the kernel when it can. */
export function sumRows(x: Float, out: Float, rows: number, width: number): void {
  if (getKernel().sumRows?.(x, out, rows, width)) return;
  out.fill(0);
  for (let r = 0, o = 0; r < rows; r++, o += width) {
    for (let j = 0; j < width; j++) out[j] += x[o + j];
  }
}

/** Output buffers and the activation step shared by dense and conv2d. */
export class ActivationStage {
  readonly activation: Activation | null;
  z: Float | null = null;
  y: Float | null = null;
  private dz: Float | null = null;

  constructor(name: ActivationName, alpha: number | undefined, private readonly precision: Precision) {
    this.activation = name === 'linear' ? null : createActivation(name, alpha);
  }

  /** The buffer the layer writes its pre-activation into (and sizes the output buffer with it). */
  preBuffer(length: number): Float {
    this.z = ensureCapacity(this.z, this.precision, length);
    if (this.activation) this.y = ensureCapacity(this.y, this.precision, length);
    return this.z;
  }

  /** The layer's output: y, or z when there is no activation. */
  get output(): Float {
    return this.activation ? this.y! : this.z!;
  }

  /**
   * z[first .. first + rows) = a·weight with bias and activation fused into the kernel's multiply
   * (relu or linear). False when the kernel cannot; the caller then multiplies and applies itself.
   */
  multiplyFused(transA: boolean, rows: number, width: number, depth: number, a: Float, lda: number, weight: Float, bias: Float | null, first: number): boolean {
    const activation = this.activation;
    if (activation && activation.name !== 'relu') return false;
    return getKernel().gemmBiasRelu?.(transA, rows, width, depth, a, 0, lda, weight, 0, width, this.z!, first * width, width, bias, activation ? this.y! : null) ?? false;
  }

  /**
   * Bias and activation for rows [first, first + rows) through the kernel's fused step (relu or
   * linear); false when the kernel cannot, and the caller then uses apply() for the whole batch.
   */
  applyFused(bias: Float | null, first: number, rows: number, width: number): boolean {
    const activation = this.activation;
    if (activation && activation.name !== 'relu') return false;
    if (!bias && !activation) return true;
    return getKernel().biasRelu?.(this.z!, first * width, bias, rows, width, activation ? this.y! : null) ?? false;
  }

  /** z += bias (per row of `width`), then y = f(z): fused by the kernel when it can, else the reference steps. */
  apply(bias: Float | null, rows: number, width: number): Float {
    if (this.applyFused(bias, 0, rows, width)) return this.output;
    if (bias) addBias(this.z!, bias, rows, width);
    this.activation?.forward(this.z!, this.y!, rows * width, width);
    return this.output;
  }

  /** dL/dz from dL/dy (or passes it through when it already is dL/dz). */
  backward(grad: Float, length: number, width: number, gradIsPreActivation: boolean): Float {
    if (!this.activation || gradIsPreActivation) return grad;
    this.dz = ensureCapacity(this.dz, this.precision, length);
    const fused = this.activation.name === 'relu' && getKernel().reluBackward?.(grad, this.z!, this.dz, length);
    if (!fused) this.activation.backward(grad, this.z!, this.y!, this.dz, length, width);
    return this.dz;
  }
}
