// A model built from a spec: the layer stack, forward and backward over a batch, parameters in
// spec order, prediction, and weight import/export in PyTorch's names and layouts (safetensors).

import { EngineError } from './errors.js';
import { initialize } from './init.js';
import type { Layer, Parameter, ForwardContext } from './layers/layer.js';
import { LAYER_DEFINITIONS } from './layers/registry.js';
import { createLoss, type Loss } from './losses.js';
import { planModel, type ModelSummary } from './model-spec.js';
import { Rng } from './random.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { decodeCheckpoint } from './serialize.js';
import type { ActivationName, ModelLimits, ModelSpec } from './spec.js';
import { ensureCapacity } from './allocate.js';
import type { Float, Precision } from './tensor.js';

export interface ModelOptions {
  /** Seed for weight initialisation (default 0). */
  seed?: number;
  limits?: Partial<ModelLimits>;
  /** float32 (default) for real use; float64 for gradient checks. */
  precision?: Precision;
}

export interface NamedParameter {
  /** `layers.{i}.weight` or `layers.{i}.bias`. */
  name: string;
  layer: Layer;
  param: Parameter;
}

const INFERENCE: ForwardContext = { training: false, rng: null };

export class Model {
  readonly layers: Layer[];
  readonly parameters: NamedParameter[];
  readonly loss: Loss;
  readonly inputSize: number;
  readonly outputSize: number;
  private inputScratch: Float | null = null;

  private constructor(
    readonly spec: ModelSpec,
    readonly summary: ModelSummary,
    layers: Layer[],
    readonly precision: Precision,
    /** Estimated float32 activation memory per training sample (for batch-size caps). */
    readonly activationBytesPerSample: number,
  ) {
    this.layers = layers;
    this.parameters = layers.flatMap((layer) => layer.params.map((param) => ({ name: `layers.${layer.index}.${param.name}`, layer, param })));
    this.loss = createLoss(spec.loss);
    this.inputSize = summary.inputShape.reduce((a, b) => a * b, 1);
    this.outputSize = summary.outputShape.reduce((a, b) => a * b, 1);
  }

  /** Validates the spec (throws SPEC_INVALID / LIMIT_EXCEEDED), builds the layers and initialises weights. */
  static build(rawSpec: unknown, options: ModelOptions = {}): Model {
    const { spec, summary, plans, activationBytesPerSample } = planModel(rawSpec, options.limits);
    const precision = options.precision ?? 'float32';
    const layers = plans.map((plan) => LAYER_DEFINITIONS[plan.spec.type].create(plan, precision));
    const model = new Model(spec, summary, layers, precision, activationBytesPerSample);
    const rng = new Rng(options.seed ?? 0, 'init');
    for (const plan of plans) {
      const spec = plan.spec;
      if (spec.type !== 'dense' && spec.type !== 'conv2d') continue;
      const [weight, bias] = layers[plan.index].params;
      const fanIn = weight.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const receptive = spec.type === 'conv2d' ? weight.shape[0] * weight.shape[1] : 1;
      const fanOut = receptive * weight.shape[weight.shape.length - 1];
      initialize(weight.value, spec.kernelInitializer ?? 'glorotUniform', fanIn, fanOut, rng);
      if (bias) initialize(bias.value, spec.biasInitializer ?? 'zeros', fanIn, fanOut, rng);
    }
    return model;
  }

  /** A model with the weights of a safetensors file (PyTorch names and layouts). */
  static fromWeights(spec: unknown, safetensors: Uint8Array, options: Omit<ModelOptions, 'seed'> = {}): Model {
    const model = Model.build(spec, { ...options, seed: 0 });
    model.loadWeights(safetensors);
    return model;
  }

  /** The model a training checkpoint holds (weights only; optimizer state is the Trainer's business). */
  static fromCheckpoint(bytes: Uint8Array, options: Omit<ModelOptions, 'seed' | 'precision'> = {}): Model {
    const { state, tensors } = decodeCheckpoint<{ spec: ModelSpec; precision: Precision }>(bytes);
    const model = Model.build(state.spec, { ...options, precision: state.precision });
    model.setParameterValues(tensors, 'state.');
    return model;
  }

  /** Copies engine-layout parameter values from `tensors` (names `${prefix}layers.{i}.weight`). */
  setParameterValues(tensors: Map<string, Float>, prefix: string): void {
    for (const { name, param } of this.parameters) {
      const data = tensors.get(prefix + name);
      if (!data || data.length !== param.value.length) {
        throw new EngineError('CHECKPOINT_INVALID', `checkpoint tensor ${prefix}${name} is missing or has the wrong size`);
      }
    }
    for (const { name, param } of this.parameters) param.value.set(tensors.get(prefix + name)!);
  }

  /** The activation of the final layer ('linear' when it has none). */
  get outputActivation(): ActivationName {
    return this.layers[this.layers.length - 1].activation?.name ?? 'linear';
  }

  forward(input: Float, batch: number, ctx: ForwardContext = INFERENCE): Float {
    let x = input;
    for (const layer of this.layers) x = layer.forward(x, batch, ctx);
    return x;
  }

  /** Backpropagates dL/d(output), or dL/d(pre-activation of the last layer) when the loss is fused. */
  backward(outputGrad: Float, batch: number, gradIsPreActivation: boolean): void {
    let grad: Float | null = outputGrad;
    for (let i = this.layers.length - 1; i >= 0 && grad; i--) {
      grad = this.layers[i].backward(grad, batch, gradIsPreActivation && i === this.layers.length - 1, i > 0);
    }
  }

  /** Outputs for `count` samples (row-major count x outputSize), in chunks to bound memory. */
  predict(inputs: Float32Array, count: number, chunkSize = 256): Float32Array {
    if (!Number.isInteger(count) || count < 0 || inputs.length !== count * this.inputSize) {
      throw new EngineError('SHAPE_MISMATCH', `predict: expected ${count} x ${this.inputSize} input values, received ${inputs.length}`);
    }
    const out = new Float32Array(count * this.outputSize);
    // Inputs are copied into an engine buffer: float64 models need the conversion, and float32 ones
    // then have their input where the kernel works (WebAssembly memory), with no further copies.
    const scratch = this.inputScratch = ensureCapacity(this.inputScratch, this.precision, Math.min(count, chunkSize) * this.inputSize);
    for (let start = 0; start < count; start += chunkSize) {
      const batch = Math.min(chunkSize, count - start);
      const slice = inputs.subarray(start * this.inputSize, (start + batch) * this.inputSize);
      scratch.set(slice);
      const y = this.forward(scratch, batch);
      for (let i = 0; i < batch * this.outputSize; i++) out[start * this.outputSize + i] = y[i];
    }
    return out;
  }

  /** Weights in PyTorch names and layouts, as float32. */
  weightTensors(): [string, SafetensorsTensor][] {
    return this.parameters.map(({ name, param }) => {
      const data = new Float32Array(param.value.length);
      for (let i = 0; i < data.length; i++) data[param.toTorchIndex(i)] = param.value[i];
      return [name, { dtype: 'F32', shape: [...param.torchShape], data }];
    });
  }

  exportWeights(): Uint8Array {
    return encodeSafetensors(this.weightTensors());
  }

  loadWeights(safetensors: Uint8Array): void {
    this.setWeightTensors(decodeSafetensors(safetensors, 'WEIGHTS_INVALID').tensors, false);
  }

  /** Loads every parameter (all or nothing). `allowExtra` lets checkpoints carry optimizer tensors. */
  setWeightTensors(tensors: Map<string, SafetensorsTensor>, allowExtra: boolean): void {
    const fail = (name: string, message: string) => new EngineError('WEIGHTS_INVALID', `${name}: ${message}`, [{ path: `/${name}`, message: `${name}: ${message}` }]);
    const expected = new Set(this.parameters.map((p) => p.name));
    if (!allowExtra) {
      for (const name of tensors.keys()) {
        if (!expected.has(name)) throw fail(name, `unexpected tensor (this model has: ${[...expected].join(', ') || 'no parameters'})`);
      }
    }
    for (const { name, param } of this.parameters) {
      const tensor = tensors.get(name);
      if (!tensor) throw fail(name, 'missing');
      if (tensor.dtype !== 'F32') throw fail(name, `dtype ${tensor.dtype}, expected F32`);
      if (tensor.shape.length !== param.torchShape.length || tensor.shape.some((d, i) => d !== param.torchShape[i])) {
        throw fail(name, `shape [${tensor.shape.join(', ')}], expected [${param.torchShape.join(', ')}]`);
      }
      const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw fail(name, `element ${bad} is ${tensor.data[bad]}; weights must be finite`);
    }
    for (const { name, param } of this.parameters) {
      const data = tensors.get(name)!.data;
      for (let i = 0; i < param.value.length; i++) param.value[i] = data[param.toTorchIndex(i)];
    }
  }
}
