// Fully connected layer: z = x·W + b, y = f(z).
// Shape: input [N, in] -> output [N, units]. Weight [in, units] (PyTorch: [units, in]), bias [units].
// Inference graph: Gemm(x, weight as stored, bias), then the activation.

import { ensureCapacity } from '../allocate.js';
import type { GraphNode } from '../graph.js';
import { getKernel } from '../kernels/kernel.js';
import type { FieldSchemas } from '../spec-fields.js';
import type { Float, Precision, Shape } from '../tensor.js';
import { ActivationStage, sumRows } from './activation-stage.js';
import {
  activationOptions, OUTPUT_ACTIVATION_FIELDS, requireFlat, WEIGHT_FIELDS, weightOptions,
  type ActivationOptions, type WeightOptions,
} from './common-fields.js';
import type { ForwardContext, Layer, LayerEntry, LayerPlan } from './layer.js';
import { activationNodes, engineLayout } from './lowering.js';
import type { LayerTensors, Parameter, TensorSpec } from './tensors.js';

export interface DenseSpec extends ActivationOptions, WeightOptions {
  type: 'dense';
  units: number;
}

const DENSE_FIELDS = {
  units: { kind: 'integer', min: 1, max: 1_000_000, required: true },
  ...OUTPUT_ACTIVATION_FIELDS,
  ...WEIGHT_FIELDS,
} as const satisfies FieldSchemas;

export const denseLayer: LayerEntry<DenseSpec, typeof DENSE_FIELDS, null> = {
  type: 'dense',
  fields: DENSE_FIELDS,
  normalize(values, ctx, given) {
    const activation = activationOptions(values, ctx, given);
    return { type: 'dense', units: values.units, ...activation, ...weightOptions(values, activation.activation) };
  },
  infer(spec, input, ctx) {
    requireFlat(input.shape, ctx);
    const inFeatures = input.shape[0];
    const units = spec.units;
    const fans = { fanIn: inFeatures, fanOut: units };
    const torchInput = input.flattenedFrom ? chwIndexOfHwc(input.flattenedFrom) : (i: number) => i;
    const tensors: TensorSpec[] = [{
      name: 'weight', role: 'parameter', shape: [inFeatures, units], torchShape: [units, inFeatures],
      toTorchIndex: (flat) => {
        const i = Math.floor(flat / units);
        const u = flat - i * units;
        return u * inFeatures + torchInput(i);
      },
      init: { initializer: spec.kernelInitializer, ...fans },
    }];
    if (spec.useBias) tensors.push({ name: 'bias', role: 'parameter', shape: [units], torchShape: [units], init: { initializer: spec.biasInitializer, ...fans } });
    const biasAdds = spec.useBias ? units : 0;
    return { outputShape: [units], flattenedFrom: null, tensors, flops: 2 * inFeatures * units + biasAdds, scratch: 0, detail: null };
  },
  create: (plan, tensors, precision) => new DenseLayer(plan, tensors, precision),
  graph(plan, tensors) {
    // Flat values keep the engine's feature order (also after a flatten), so the weight needs no permuting.
    const bias = tensors.optionalParam('bias');
    const initializers = [engineLayout(tensors.param('weight')), ...(bias ? [engineLayout(bias)] : [])];
    const gemm: GraphNode = { op: 'Gemm', inputs: ['input', ...initializers.map((t) => t.name)], outputs: ['z'] };
    return { layout: 'channelsLast', initializers, nodes: [gemm, ...activationNodes(plan.spec.activation, plan.spec.alpha, 'z', -1)] };
  },
};

export class DenseLayer implements Layer {
  readonly type = 'dense' as const;
  readonly index: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly weight: Parameter;
  private readonly bias: Parameter | null;
  private readonly stage: ActivationStage;
  private input: Float | null = null;
  private dx: Float | null = null;

  constructor(plan: LayerPlan<DenseSpec>, tensors: LayerTensors, private readonly precision: Precision) {
    this.index = plan.index;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.weight = tensors.param('weight');
    this.bias = tensors.optionalParam('bias');
    this.stage = new ActivationStage(plan.spec.activation, plan.spec.alpha, precision);
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
