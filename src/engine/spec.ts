// The model spec: plain JSON, camelCase, Keras-like. These types are the engine's input contract;
// `validateSpec` (model-spec.ts) checks an unknown value against them and runs shape inference.

export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'absRelu' | 'sigmoid' | 'tanh' | 'softmax';
export type LossName = 'mse' | 'binaryCrossentropy' | 'categoricalCrossentropy';
export type InitializerName = 'heNormal' | 'glorotUniform' | 'zeros';
export type Pair = number | [number, number];

interface WithActivation {
  activation?: ActivationName;
  /** Negative slope of leakyRelu (default 0.01). */
  alpha?: number;
}

interface WithParams {
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

export interface DenseSpec extends WithActivation, WithParams {
  type: 'dense';
  units: number;
}

export interface Conv2dSpec extends WithActivation, WithParams {
  type: 'conv2d';
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  padding?: 'valid' | 'same' | number;
}

export interface Pool2dSpec {
  type: 'maxPool2d' | 'avgPool2d';
  poolSize: Pair;
  /** Defaults to poolSize. */
  strides?: Pair;
  padding?: 'valid' | 'same';
}

export interface FlattenSpec {
  type: 'flatten';
}

export interface DropoutSpec {
  type: 'dropout';
  rate: number;
}

export interface ActivationLayerSpec extends WithActivation {
  type: 'activation';
  activation: ActivationName;
}

export type LayerSpec = DenseSpec | Conv2dSpec | Pool2dSpec | FlattenSpec | DropoutSpec | ActivationLayerSpec;
export type LayerType = LayerSpec['type'];

export interface ModelSpec {
  /** `[features]` or `[height, width, channels]` (channels last). */
  input: number[];
  layers: LayerSpec[];
  loss: LossName;
}

export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'leakyRelu', 'absRelu', 'sigmoid', 'tanh', 'softmax'];
export const LOSSES: readonly LossName[] = ['mse', 'binaryCrossentropy', 'categoricalCrossentropy'];
export const INITIALIZERS: readonly InitializerName[] = ['heNormal', 'glorotUniform', 'zeros'];
export const LAYER_TYPES: readonly LayerType[] = ['dense', 'conv2d', 'maxPool2d', 'avgPool2d', 'flatten', 'dropout', 'activation'];

/** Caps checked during shape inference, before anything is allocated. */
export interface ModelLimits {
  maxParams: number;
  /** Bytes of activations, gradients and scratch buffers for one sample. */
  maxActivationBytesPerSample: number;
}

export const DEFAULT_LIMITS: ModelLimits = {
  maxParams: 20_000_000,
  maxActivationBytesPerSample: 64 * 1024 * 1024,
};
