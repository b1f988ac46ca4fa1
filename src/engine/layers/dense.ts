// Fully connected layer (seed section 1): z = x·W + b, y = f(z).
// Shape: input [N, in] -> output [N, units]. Weight [in, units] (PyTorch: [units, in]), bias [units].

import { getKernel } from '../kernels/kernel.js';
import type { DenseSpec } from '../spec.js';
import { ensureCapacity } from '../allocate.js';
import type { Float, Precision, Shape } from '../tensor.js';
import { ActivationStage, makeParameter, sumRows, type ForwardContext, type Layer, type Parameter } from './layer.js';

export class DenseLayer implements Layer {
  readonly type = 'dense' as const;
  readonly outputShape: Shape;
  readonly params: Parameter[];
  private readonly weight: Parameter;
  private readonly bias: Parameter | null;
  private readonly stage: ActivationStage;
  private input: Float | null = null;
  private dx: Float | null = null;

  /** `flattenedFrom`: the [h, w, c] shape a preceding flatten produced this input from (for PyTorch's order). */
  constructor(
    readonly index: number, spec: DenseSpec, readonly inputShape: Shape,
    flattenedFrom: Shape | null, private readonly precision: Precision,
  ) {
    const inFeatures = inputShape[0];
    const units = spec.units;
    this.outputShape = [units];
    const torchInput = flattenedFrom ? chwIndexOfHwc(flattenedFrom) : (i: number) => i;
    this.weight = makeParameter('weight', [inFeatures, units], [units, inFeatures], precision, (flat) => {
      const i = Math.floor(flat / units);
      const u = flat - i * units;
      return u * inFeatures + torchInput(i);
    });
    this.bias = spec.useBias === false ? null : makeParameter('bias', [units], [units], precision);
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    this.stage = new ActivationStage(spec.activation ?? 'linear', spec.alpha, precision);
  }

  get activation() { return this.stage.activation; }
  get preActivation() { return this.stage.z; }

  forward(input: Float, batch: number, _ctx?: ForwardContext): Float {
    const inFeatures = this.inputShape[0];
    const units = this.outputShape[0];
    this.input = input;
    const z = this.stage.preBuffer(batch * units);
    const bias = this.bias?.value ?? null;
    if (this.stage.multiplyFused(false, batch, units, inFeatures, input, inFeatures, this.weight.value, bias, 0)) return this.stage.output;
    getKernel().gemm(false, false, batch, units, inFeatures, input, 0, inFeatures, this.weight.value, 0, units, z, 0, units, false);
    return this.stage.apply(bias, batch, units);
  }

  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null {
    const inFeatures = this.inputShape[0];
    const units = this.outputShape[0];
    const dz = this.stage.backward(grad, batch * units, units, gradIsPreActivation);
    const kernel = getKernel();
    kernel.gemm(true, false, inFeatures, units, batch, this.input!, 0, inFeatures, dz, 0, units, this.weight.grad, 0, units, false);
    if (this.bias) sumRows(dz, this.bias.grad, batch, units);
    if (!needInputGrad) return null;
    this.dx = ensureCapacity(this.dx, this.precision, batch * inFeatures);
    kernel.gemm(false, true, batch, inFeatures, units, dz, 0, units, this.weight.value, 0, units, this.dx, 0, inFeatures, false);
    return this.dx;
  }
}

/** Maps a (h, w, c) flat index to PyTorch's (c, h, w) flat index. */
export function chwIndexOfHwc(shape: Shape): (index: number) => number {
  const [height, width, channels] = shape;
  return (index) => {
    const c = index % channels;
    const hw = (index - c) / channels;
    const w = hw % width;
    const h = (hw - w) / width;
    return (c * height + h) * width + w;
  };
}
