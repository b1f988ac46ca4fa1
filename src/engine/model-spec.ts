// Spec validation and shape inference: turns an unknown JSON value into a normalised ModelSpec and
// a per-layer plan (shapes, parameter counts, FLOPs), checking the caps before anything is allocated.

import { LAYER_DEFINITIONS, normalizeLayer, type LayerPlan } from './layers/registry.js';
import { DEFAULT_LIMITS, LAYER_TYPES, LOSSES, type LayerSpec, type LayerType, type ModelLimits, type ModelSpec } from './spec.js';
import { describe, isObject, readEnum, rejectUnknownKeys, specError, type FieldContext } from './spec-fields.js';
import { sizeOf } from './tensor.js';

export interface LayerSummary {
  index: number;
  type: LayerType;
  /** Without the batch dimension. */
  outputShape: number[];
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
  plans: LayerPlan[];
}

const ROOT: FieldContext = { label: 'spec', pointer: '' };
const MAX_LAYERS = 1000;
const MAX_DIM = 1_000_000;
/** Per-sample buffers a trained layer keeps: pre-activation, output, and the gradient flowing back. */
const BUFFERS_PER_OUTPUT = 3;

export function validateSpec(raw: unknown, limits: Partial<ModelLimits> = {}): ValidatedSpec {
  const { spec, summary, activationBytesPerSample } = planModel(raw, limits);
  return { spec, summary, activationBytesPerSample };
}

export function planModel(raw: unknown, limitOverrides: Partial<ModelLimits> = {}): ModelPlan {
  const limits = { ...DEFAULT_LIMITS, ...limitOverrides };
  if (!isObject(raw)) throw specError(ROOT, null, `must be an object with input, layers and loss, received ${describe(raw)}`);
  rejectUnknownKeys(raw, ['input', 'layers', 'loss'], ROOT);
  const input = readInputShape(raw.input);
  const loss = readEnum(raw, 'loss', ROOT, LOSSES);
  if (!Array.isArray(raw.layers) || raw.layers.length === 0 || raw.layers.length > MAX_LAYERS) {
    throw specError(ROOT, 'layers', `layers must be an array of 1 to ${MAX_LAYERS} layers, received ${describe(raw.layers)}`);
  }

  const plans: LayerPlan[] = [];
  let shape = input;
  let flattenedFrom: number[] | null = null;
  let totalParams = 0;
  let activationElements = sizeOf(input);
  raw.layers.forEach((rawLayer: unknown, index: number) => {
    const spec = readLayer(rawLayer, index);
    const ctx = layerContext(index, spec.type);
    const inferred = LAYER_DEFINITIONS[spec.type].infer(spec, shape, ctx);
    if (spec.type === 'flatten') flattenedFrom = shape.length === 3 ? [...shape] : flattenedFrom;
    plans.push({ index, spec, inputShape: shape, ...inferred, flattenedFrom: spec.type === 'dense' ? flattenedFrom : null });
    if (spec.type === 'dense') flattenedFrom = null;

    totalParams += inferred.params;
    if (totalParams > limits.maxParams) {
      throw specError(ctx, null, `total parameters reach ${totalParams.toLocaleString('en-US')} here, over the cap of ${limits.maxParams.toLocaleString('en-US')}`, 'LIMIT_EXCEEDED');
    }
    activationElements += BUFFERS_PER_OUTPUT * sizeOf(inferred.outputShape) + inferred.scratch;
    const bytes = activationElements * Float32Array.BYTES_PER_ELEMENT;
    if (bytes > limits.maxActivationBytesPerSample) {
      throw specError(ctx, null, `activation memory reaches ${formatBytes(bytes)} per sample here, over the cap of ${formatBytes(limits.maxActivationBytesPerSample)}`, 'LIMIT_EXCEEDED');
    }
    shape = inferred.outputShape;
  });

  const spec: ModelSpec = { input, layers: plans.map((p) => p.spec), loss };
  checkLossFitsOutput(spec, plans);
  const summary: ModelSummary = {
    layers: plans.map((p) => ({ index: p.index, type: p.spec.type, outputShape: p.outputShape, params: p.params })),
    totalParams,
    flopsPerSample: plans.reduce((sum, p) => sum + p.flops, 0),
    inputShape: input,
    outputShape: shape,
  };
  return { spec, summary, plans, activationBytesPerSample: activationElements * Float32Array.BYTES_PER_ELEMENT };
}

function readInputShape(value: unknown): number[] {
  const ok = Array.isArray(value) && (value.length === 1 || value.length === 3)
    && value.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_DIM);
  if (!ok) {
    throw specError(ROOT, 'input', `input must be [features] or [height, width, channels] of integers from 1 to ${MAX_DIM}, received ${describe(value)}`);
  }
  return [...(value as number[])];
}

function readLayer(raw: unknown, index: number): LayerSpec {
  const at: FieldContext = { label: `layers[${index}]`, pointer: `/layers/${index}` };
  if (!isObject(raw)) throw specError(at, null, `must be an object with a "type", received ${describe(raw)}`);
  const type = readEnum(raw, 'type', at, LAYER_TYPES);
  return normalizeLayer(raw, type, layerContext(index, type));
}

function layerContext(index: number, type: LayerType): FieldContext {
  return { label: `layers[${index}] (${type})`, pointer: `/layers/${index}` };
}

/** Cross-entropies are fused with their activation, so the final layer must apply it. */
function checkLossFitsOutput(spec: ModelSpec, plans: LayerPlan[]): void {
  const last = plans[plans.length - 1];
  const needed = spec.loss === 'categoricalCrossentropy' ? 'softmax' : spec.loss === 'binaryCrossentropy' ? 'sigmoid' : null;
  if (!needed) return;
  const lastActivation = 'activation' in last.spec ? last.spec.activation : undefined;
  const ctx = { label: `loss "${spec.loss}"`, pointer: '' };
  if (lastActivation !== needed) {
    throw specError(ctx, 'loss', `needs a final ${needed} activation, but the last layer (layers[${last.index}], ${last.spec.type}) has ${describe(lastActivation ?? 'none')}`);
  }
  if (last.outputShape.length !== 1) {
    throw specError(ctx, 'loss', `needs a flat output, but the last layer outputs ${last.outputShape.join('x')}`);
  }
  if (needed === 'softmax' && last.outputShape[0] < 2) {
    throw specError(ctx, 'loss', 'needs at least 2 output units for softmax');
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
