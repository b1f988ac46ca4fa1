// The engine's only public surface. A pure TypeScript neural-network library: no npm dependencies,
// no node:* imports, no I/O. Everything the service needs from the engine is exported here.

export { EngineError, isEngineError } from './errors.js';
export type { EngineErrorCode, ErrorDetail } from './errors.js';
export type {
  ActivationName, LossName, InitializerName, Pair, LayerSpec, LayerType, ModelSpec, ModelLimits,
  DenseSpec, Conv2dSpec, Pool2dSpec, FlattenSpec, DropoutSpec, ActivationLayerSpec,
} from './spec.js';
export { ACTIVATIONS, LOSSES, INITIALIZERS, LAYER_TYPES, DEFAULT_LIMITS } from './spec.js';
export { validateSpec } from './model-spec.js';
export type { ModelSummary, LayerSummary, ValidatedSpec } from './model-spec.js';
export { Model } from './model.js';
export type { Precision } from './tensor.js';
export { Trainer } from './trainer.js';
export type { TrainerOptions } from './trainer.js';
export type { TrainingData, FitConfig, FitResult, EpochMetrics, BatchInfo, EarlyStoppingConfig } from './fit.js';
export type { OptimizerConfig, SgdConfig, AdamConfig } from './optimizers/optimizer.js';
export { validateOptimizerConfig } from './optimizers/optimizer.js';
export { evaluate } from './evaluate.js';
export type { Evaluation } from './evaluate.js';
export { encodeSafetensors, decodeSafetensors } from './safetensors.js';
export type { SafetensorsTensor, SafetensorsFile } from './safetensors.js';
export { Rng } from './random.js';
export { setKernel, getKernel } from './kernels/kernel.js';
export type { MatMulKernel } from './kernels/matmul-kernel.js';
export { typescriptKernel } from './kernels/gemm.js';
export { wasmKernel, wasmSimdAvailable } from './kernels/wasm-kernel.js';
