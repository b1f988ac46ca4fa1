// Spec validation and shape inference: turns an unknown JSON value into a normalised ModelSpec and
// a per-layer plan (shapes, tensors, parameter counts, FLOPs), checking the caps before anything is
// allocated. Every layer-specific step is its registry entry's.

import { formatBytes, layerActivationBytes } from './activation-memory.js';
import type { LayerInput, LayerPlan } from './layers/layer.js';
import { LAYERS, type LayerRegistry, type LayerSpec } from './layers/registry.js';
import { LOSSES } from './losses.js';
import { describe, isObject, readField, readFields, readType, rejectUnknownKeys, specError, type FieldContext } from './spec-fields.js';
import { DEFAULT_LIMITS, type ModelLimits, type ModelSpec } from './spec.js';
import { formatShape, sizeOf } from './tensor.js';

export interface LayerSummary {
  index: number;
  type: string;
  /** Without the batch dimension. */
  outputShape: number[];
  /** Trainable parameters (buffers such as running statistics are not counted, as in PyTorch). */
  params: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  totalParams: number;
  /** Forward FLOPs per sample: a multiply-add counts 2, a bias add 1, a pooling window element 1. */
  flopsPerSample: number;
  inputShape: number[];
  outputShape: number[];
}

export interface ValidatedSpec {
  spec: ModelSpec;
  summary: ModelSummary;
  /** Estimated bytes of float32 activations, gradients and scratch buffers per training sample. */
  activationBytesPerSample: number;
}

export interface ModelPlan extends ValidatedSpec {
  plans: LayerPlan<LayerSpec>[];
}

const ROOT: FieldContext = { label: 'spec', pointer: '' };
const MAX_LAYERS = 1000;
const MAX_DIM = 1_000_000;

export function validateSpec(raw: unknown, limits: Partial<ModelLimits> = {}): ValidatedSpec {
  const { spec, summary, activationBytesPerSample } = planModel(raw, limits);
  return { spec, summary, activationBytesPerSample };
}

export function planModel(raw: unknown, limitOverrides: Partial<ModelLimits> = {}, registry: LayerRegistry = LAYERS): ModelPlan {
  const limits = { ...DEFAULT_LIMITS, ...limitOverrides };
  if (!isObject(raw)) throw specError(ROOT, null, `must be an object with input, layers and loss, received ${describe(raw)}`);
  rejectUnknownKeys(raw, ['input', 'layers', 'loss'], ROOT);
  const inputShape = readInputShape(raw.input);
  const loss = readField(raw, 'loss', { kind: 'enum', values: LOSSES, required: true }, ROOT);
  if (!Array.isArray(raw.layers) || raw.layers.length === 0 || raw.layers.length > MAX_LAYERS) {
    throw specError(ROOT, 'layers', `layers must be an array of 1 to ${MAX_LAYERS} layers, received ${describe(raw.layers)}`);
  }

  const plans: LayerPlan<LayerSpec>[] = [];
  let input: LayerInput = { shape: inputShape, flattenedFrom: null, isModelInput: true };
  let totalParams = 0;
  let activationBytes = sizeOf(inputShape) * Float32Array.BYTES_PER_ELEMENT;
  raw.layers.forEach((rawLayer: unknown, index: number) => {
    const { spec, ctx } = readLayer(rawLayer, index, registry);
    const inferred = registry.get(spec.type).infer(spec, input, ctx);
    const params = inferred.tensors.filter((t) => t.role === 'parameter').reduce((sum, t) => sum + sizeOf(t.shape), 0);
    plans.push({ index, spec, input, params, ...inferred });

    totalParams += params;
    if (totalParams > limits.maxParams) {
      throw specError(ctx, null, `total parameters reach ${totalParams.toLocaleString('en-US')} here, over the cap of ${limits.maxParams.toLocaleString('en-US')}`, 'LIMIT_EXCEEDED');
    }
    activationBytes += layerActivationBytes(inferred.outputShape, inferred.scratch);
    if (activationBytes > limits.maxActivationBytesPerSample) {
      throw specError(ctx, null, `activation memory reaches ${formatBytes(activationBytes)} per sample here, over the cap of ${formatBytes(limits.maxActivationBytesPerSample)}`, 'LIMIT_EXCEEDED');
    }
    input = { shape: inferred.outputShape, flattenedFrom: inferred.flattenedFrom, isModelInput: false };
  });

  const spec: ModelSpec = { input: inputShape, layers: plans.map((p) => p.spec), loss };
  checkLossFitsOutput(spec, plans);
  const summary: ModelSummary = {
    layers: plans.map((p) => ({ index: p.index, type: p.spec.type, outputShape: p.outputShape, params: p.params })),
    totalParams,
    flopsPerSample: plans.reduce((sum, p) => sum + p.flops, 0),
    inputShape,
    outputShape: [...input.shape],
  };
  return { spec, summary, plans, activationBytesPerSample: activationBytes };
}

function readInputShape(value: unknown): number[] {
  const ok = Array.isArray(value) && (value.length === 1 || value.length === 3)
    && value.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_DIM);
  if (!ok) {
    throw specError(ROOT, 'input', `input must be [features] or [height, width, channels] of integers from 1 to ${MAX_DIM}, received ${describe(value)}`);
  }
  return [...(value as number[])];
}

function readLayer(raw: unknown, index: number, registry: LayerRegistry): { spec: LayerSpec; ctx: FieldContext } {
  const at: FieldContext = { label: `layers[${index}]`, pointer: `/layers/${index}` };
  if (!isObject(raw)) throw specError(at, null, `must be an object with a "type", received ${describe(raw)}`);
  const type = readType(raw, at, registry.types);
  const ctx: FieldContext = { label: `layers[${index}] (${type})`, pointer: `/layers/${index}` };
  const entry = registry.get(type);
  const spec = entry.normalize(readFields(raw, entry.fields, ctx), ctx, new Set(Object.keys(raw))) as LayerSpec;
  return { spec, ctx };
}

/** Cross-entropies are fused with their activation, so the final layer must apply it. */
function checkLossFitsOutput(spec: ModelSpec, plans: LayerPlan<LayerSpec>[]): void {
  const last = plans[plans.length - 1];
  const needed = spec.loss === 'categoricalCrossentropy' ? 'softmax' : spec.loss === 'binaryCrossentropy' ? 'sigmoid' : null;
  if (!needed) return;
  const lastActivation = 'activation' in last.spec ? last.spec.activation : undefined;
  const ctx = { label: `loss "${spec.loss}"`, pointer: '' };
  if (lastActivation !== needed) {
    throw specError(ctx, 'loss', `needs a final ${needed} activation, but the last layer (layers[${last.index}], ${last.spec.type}) has ${describe(lastActivation ?? 'none')}`);
  }
  if (last.outputShape.length !== 1) {
    throw specError(ctx, 'loss', `needs a flat output, but the last layer outputs ${formatShape(last.outputShape)}`);
  }
  if (needed === 'softmax' && last.outputShape[0] < 2) {
    throw specError(ctx, 'loss', 'needs at least 2 output units for softmax');
  }
}
