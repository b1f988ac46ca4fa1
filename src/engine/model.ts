// A model built from a spec: the layer stack, forward and backward over a batch, its state tensors
// (parameters and buffers) in spec order, prediction, weight import/export in PyTorch's names
// and layouts (safetensors), and its inference graph (what the ONNX export encodes).

import type { ActivationName } from './activations.js';
import { allocate, ensureCapacity } from './allocate.js';
import { EngineError } from './errors.js';
import type { InferenceGraph } from './graph.js';
import { joinLayerGraphs } from './inference-graph.js';
import { initialize } from './init.js';
import type { ForwardContext, Layer, LayerPlan } from './layers/layer.js';
import { LAYERS, type LayerRegistry } from './layers/registry.js';
import { LayerTensors, type LayerBuffer, type Parameter } from './layers/tensors.js';
import { createLoss, type Loss } from './losses.js';
import { planModel, type ModelSummary } from './model-spec.js';
import { Rng } from './random.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsDtype, type SafetensorsTensor } from './safetensors.js';
import { decodeCheckpoint } from './serialize.js';
import type { ModelLimits, ModelSpec } from './spec.js';
import { sizeOf, type Float, type Precision } from './tensor.js';

export interface ModelOptions {
  /** Seed for weight initialisation (default 0). */
  seed?: number;
  limits?: Partial<ModelLimits>;
  /** float32 (default) for real use; float64 for gradient checks. */
  precision?: Precision;
  /** The layer types the spec may use (default: the built-in ones). */
  layers?: LayerRegistry;
}

/** A tensor of the model's state (a parameter or a buffer) with its safetensors name. */
export interface NamedTensor {
  /** `layers.{i}.{name}`: `layers.0.weight`, `layers.3.running_mean`. */
  name: string;
  layer: Layer;
  tensor: Parameter | LayerBuffer;
}

export interface NamedParameter {
  /** `layers.{i}.weight` or `layers.{i}.bias`. */
  name: string;
  layer: Layer;
  param: Parameter;
}

const INFERENCE: ForwardContext = { training: false, rng: null };
const EXPORT_DTYPE: Record<Parameter['dtype'], SafetensorsDtype> = { float: 'F32', int64: 'I64' };

export class Model {
  /** Every parameter and buffer, layer by layer in spec order (PyTorch's state_dict order). */
  readonly state: NamedTensor[];
  /** The trainable tensors: what gradients and optimizers see. */
  readonly parameters: NamedParameter[];
  readonly loss: Loss;
  readonly inputSize: number;
  readonly outputSize: number;
  private inputScratch: Float | null = null;

  private constructor(
    readonly spec: ModelSpec,
    readonly summary: ModelSummary,
    readonly layers: Layer[],
    private readonly plans: readonly LayerPlan[],
    private readonly layerTensors: readonly LayerTensors[],
    private readonly registry: LayerRegistry,
    readonly precision: Precision,
    /** Estimated float32 activation memory per training sample (for batch-size caps). */
    readonly activationBytesPerSample: number,
  ) {
    this.state = layers.flatMap((layer, i) => layerTensors[i].all.map((tensor) => ({ name: `layers.${layer.index}.${tensor.name}`, layer, tensor })));
    this.parameters = this.state.flatMap(({ name, layer, tensor }) => (tensor.role === 'parameter' ? [{ name, layer, param: tensor }] : []));
    this.loss = createLoss(spec.loss);
    this.inputSize = sizeOf(summary.inputShape);
    this.outputSize = sizeOf(summary.outputShape);
  }

  /** Validates the spec (throws SPEC_INVALID / LIMIT_EXCEEDED), builds the layers and initialises their tensors. */
  static build(rawSpec: unknown, options: ModelOptions = {}): Model {
    const registry = options.layers ?? LAYERS;
    const { spec, summary, plans, activationBytesPerSample } = planModel(rawSpec, options.limits, registry);
    const precision = options.precision ?? 'float32';
    const tensors = plans.map((plan) => new LayerTensors(plan.tensors, precision));
    const layers = plans.map((plan, i) => registry.get(plan.spec.type).create(plan, tensors[i], precision));
    const model = new Model(spec, summary, layers, plans, tensors, registry, precision, activationBytesPerSample);
    // One stream in spec order: the same seed gives the same weights, whatever the other tensors.
    const rng = new Rng(options.seed ?? 0, 'init');
    for (const { tensor } of model.state) initialize(tensor.value, tensor.init, rng);
    return model;
  }

  /** A model with the weights of a safetensors file (PyTorch names and layouts). */
  static fromWeights(spec: unknown, safetensors: Uint8Array, options: Omit<ModelOptions, 'seed'> = {}): Model {
    const model = Model.build(spec, { ...options, seed: 0 });
    model.loadWeights(safetensors);
    return model;
  }

  /** The model a training checkpoint holds (its state tensors; optimizer state is the Trainer's business). */
  static fromCheckpoint(bytes: Uint8Array, options: Omit<ModelOptions, 'seed' | 'precision'> = {}): Model {
    const { state, tensors } = decodeCheckpoint<{ spec: ModelSpec; precision: Precision }>(bytes);
    const model = Model.build(state.spec, { ...options, precision: state.precision });
    model.loadState(tensors, 'state.');
    return model;
  }

  /**
   * The engine-layout values of every state tensor in `tensors` (names `${prefix}layers.{i}.{name}`),
   * in `state` order. A missing, extra (under `prefix`) or wrongly sized tensor is CHECKPOINT_INVALID.
   */
  readState(tensors: ReadonlyMap<string, Float>, prefix: string): Float[] {
    const fail = (message: string) => new EngineError('CHECKPOINT_INVALID', `checkpoint: ${message}`);
    const expected = new Set(this.state.map(({ name }) => prefix + name));
    for (const name of tensors.keys()) {
      if (name.startsWith(prefix) && !expected.has(name)) throw fail(`tensor ${name} belongs to no layer of this model`);
    }
    return this.state.map(({ name, tensor }) => {
      const data = tensors.get(prefix + name);
      if (!data || data.length !== tensor.value.length) throw fail(`tensor ${prefix}${name} is missing or has the wrong size`);
      return data;
    });
  }

  /** Sets every state tensor from `tensors` (see readState); all or nothing. */
  loadState(tensors: ReadonlyMap<string, Float>, prefix: string): void {
    this.readState(tensors, prefix).forEach((data, i) => this.state[i].tensor.value.set(data));
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

  /**
   * Runs every layer's `adapt` step (layers whose buffers come from the training data) on `count`
   * samples: the first layer sees `inputs` itself, a later one its input computed in inference mode.
   */
  adapt(inputs: Float32Array, count: number, chunkSize = 256): void {
    this.layers.forEach((layer, i) => {
      if (!layer.adapt) return;
      if (i === 0) return layer.adapt(inputs, count);
      const width = sizeOf(layer.inputShape);
      const layerInputs = allocate(this.precision, count * width);
      const scratch = allocate(this.precision, Math.min(count, chunkSize) * this.inputSize);
      for (let start = 0; start < count; start += chunkSize) {
        const batch = Math.min(chunkSize, count - start);
        scratch.set(inputs.subarray(start * this.inputSize, (start + batch) * this.inputSize));
        let x: Float = scratch;
        for (let j = 0; j < i; j++) x = this.layers[j].forward(x, batch, INFERENCE);
        layerInputs.set(x.subarray(0, batch * width), start * width);
      }
      layer.adapt(layerInputs, count);
    });
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

  /** The model at inference (dropout off) as graph data: each layer's entry lowers it with its current values. */
  inferenceGraph(): InferenceGraph {
    return joinLayerGraphs(this.summary.inputShape, this.outputSize, this.plans.map((plan, i) => ({
      plan,
      lower: (layout) => this.registry.get(plan.spec.type).graph(plan, this.layerTensors[i], layout),
    })));
  }

  /** Parameters and buffers in PyTorch names and layouts: float32, and I64 for integer buffers. */
  weightTensors(): [string, SafetensorsTensor][] {
    return this.state.map(({ name, tensor }) => {
      const data = tensor.dtype === 'int64' ? new Float64Array(tensor.value.length) : new Float32Array(tensor.value.length);
      for (let i = 0; i < data.length; i++) data[tensor.toTorchIndex(i)] = tensor.value[i];
      return [name, { dtype: EXPORT_DTYPE[tensor.dtype], shape: [...tensor.torchShape], data }];
    });
  }

  exportWeights(): Uint8Array {
    return encodeSafetensors(this.weightTensors());
  }

  /** Loads every parameter and buffer (all or nothing); other tensors in the file are refused. */
  loadWeights(safetensors: Uint8Array): void {
    const tensors = decodeSafetensors(safetensors, 'WEIGHTS_INVALID').tensors;
    const fail = (name: string, message: string) => new EngineError('WEIGHTS_INVALID', `${name}: ${message}`, [{ path: `/${name}`, message: `${name}: ${message}` }]);
    const expected = new Set(this.state.map((p) => p.name));
    for (const name of tensors.keys()) {
      if (!expected.has(name)) throw fail(name, `unexpected tensor (this model has: ${[...expected].join(', ') || 'no parameters'})`);
    }
    for (const { name, tensor: own } of this.state) {
      const tensor = tensors.get(name);
      if (!tensor) throw fail(name, 'missing');
      if (tensor.dtype !== EXPORT_DTYPE[own.dtype]) throw fail(name, `dtype ${tensor.dtype}, expected ${EXPORT_DTYPE[own.dtype]}`);
      if (tensor.shape.length !== own.torchShape.length || tensor.shape.some((d, i) => d !== own.torchShape[i])) {
        throw fail(name, `shape [${tensor.shape.join(', ')}], expected [${own.torchShape.join(', ')}]`);
      }
      const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw fail(name, `element ${bad} is ${tensor.data[bad]}; weights must be finite`);
    }
    for (const { name, tensor: own } of this.state) {
      const data = tensors.get(name)!.data;
      for (let i = 0; i < own.value.length; i++) own.value[i] = data[own.toTorchIndex(i)];
    }
  }
}
