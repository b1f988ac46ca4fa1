// Every layer type the engine knows: how its spec fields are read and defaulted, how its output
// shape, parameter count and FLOPs follow from its input shape, and how the layer is built.
// Adding a layer type means a file in layers/ and one entry here.

import { ACTIVATIONS, INITIALIZERS, type ActivationName, type InitializerName, type LayerSpec, type LayerType } from '../spec.js';
import { formatShape, sizeOf, type Precision, type Shape } from '../tensor.js';
import {
  readBoolean, readEnum, readInt, readNumber, readPair, rejectUnknownKeys, specError, describe,
  type FieldContext, type Raw,
} from '../spec-fields.js';
import { Conv2dLayer } from './conv2d.js';
import { DenseLayer } from './dense.js';
import type { Window2d } from '../kernels/window2d.js';
import { toPair, windowGeometry } from './geometry.js';
import type { Layer } from './layer.js';
import { Pool2dLayer } from './pool2d.js';
import { ActivationLayer, DropoutLayer, FlattenLayer } from './shape-only.js';

/** What shape inference learns about one layer, before anything is allocated. */
export interface LayerPlan {
  index: number;
  spec: LayerSpec;
  inputShape: number[];
  outputShape: number[];
  params: number;
  flops: number;
  /** Per-sample elements of scratch buffers beyond the output (im2col columns). */
  scratch: number;
  window: Window2d | null;
  /** The [h, w, c] shape a flatten turned into this layer's (flat) input, for PyTorch's ordering. */
  flattenedFrom: number[] | null;
}

type Inferred = Pick<LayerPlan, 'outputShape' | 'params' | 'flops' | 'scratch' | 'window'>;

interface LayerDefinition {
  fields: readonly string[];
  normalize(raw: Raw, ctx: FieldContext): LayerSpec;
  infer(spec: LayerSpec, input: Shape, ctx: FieldContext): Inferred;
  create(plan: LayerPlan, precision: Precision): Layer;
}

const MAX_UNITS = 1_000_000;
const MAX_WINDOW = 4096;
const PARAM_FIELDS = ['useBias', 'kernelInitializer', 'biasInitializer'] as const;

function readActivation(raw: Raw, ctx: FieldContext, fallback?: ActivationName): { activation: ActivationName; alpha?: number } {
  const activation = readEnum(raw, 'activation', ctx, ACTIVATIONS, fallback);
  if (raw.alpha !== undefined && activation !== 'leakyRelu') {
    throw specError(ctx, 'alpha', `alpha applies only to activation "leakyRelu", received activation ${describe(activation)}`);
  }
  return activation === 'leakyRelu'
    ? { activation, alpha: readNumber(raw, 'alpha', ctx, { min: 0, max: 1, default: 0.01, maxExclusive: true }) }
    : { activation };
}

function readParamOptions(raw: Raw, ctx: FieldContext, activation: ActivationName) {
  const reluFamily = activation === 'relu' || activation === 'leakyRelu' || activation === 'absRelu';
  return {
    useBias: readBoolean(raw, 'useBias', ctx, true),
    kernelInitializer: readEnum<InitializerName>(raw, 'kernelInitializer', ctx, INITIALIZERS, reluFamily ? 'heNormal' : 'glorotUniform'),
    biasInitializer: readEnum<InitializerName>(raw, 'biasInitializer', ctx, INITIALIZERS, 'zeros'),
  };
}

function requireFlat(input: Shape, ctx: FieldContext): void {
  if (input.length !== 1) {
    throw specError(ctx, null, `expects a flat [features] input but received ${formatShape(input)}; add a flatten layer before it`);
  }
}

function requireImage(input: Shape, ctx: FieldContext): void {
  if (input.length !== 3) {
    throw specError(ctx, null, `expects a [height, width, channels] input but received [${input.join(', ')}]`);
  }
}

function window2d(
  input: Shape, kernel: [number, number], strides: [number, number], padding: 'valid' | 'same' | number,
  ctx: FieldContext, kernelField: string, kernelValue: unknown,
): Window2d {
  const [inH, inW, channels] = input;
  const rows = windowGeometry(inH, kernel[0], strides[0], padding);
  const cols = windowGeometry(inW, kernel[1], strides[1], padding);
  if (!rows || !cols) {
    throw specError(ctx, kernelField, `${kernelField} ${describe(kernelValue)} does not fit the ${inH}x${inW} input with padding ${describe(padding)}`);
  }
  return {
    inH, inW, channels, kH: kernel[0], kW: kernel[1], strideH: strides[0], strideW: strides[1],
    padTop: rows.before, padLeft: cols.before, outH: rows.out, outW: cols.out,
  };
}

const dense: LayerDefinition = {
  fields: ['type', 'units', 'activation', 'alpha', ...PARAM_FIELDS],
  normalize(raw, ctx) {
    const units = readInt(raw, 'units', ctx, { min: 1, max: MAX_UNITS });
    const act = readActivation(raw, ctx, 'linear');
    return { type: 'dense', units, ...act, ...readParamOptions(raw, ctx, act.activation) };
  },
  infer(spec, input, ctx) {
    if (spec.type !== 'dense') throw new Error('unreachable');
    requireFlat(input, ctx);
    const weights = input[0] * spec.units;
    const bias = spec.useBias === false ? 0 : spec.units;
    return { outputShape: [spec.units], params: weights + bias, flops: 2 * weights + bias, scratch: 0, window: null };
  },
  create: (plan, precision) => new DenseLayer(plan.index, plan.spec as never, plan.inputShape, plan.flattenedFrom, precision),
};

const conv2d: LayerDefinition = {
  fields: ['type', 'filters', 'kernelSize', 'strides', 'padding', 'activation', 'alpha', ...PARAM_FIELDS],
  normalize(raw, ctx) {
    const filters = readInt(raw, 'filters', ctx, { min: 1, max: 65_536 });
    const kernelSize = readPair(raw, 'kernelSize', ctx, MAX_WINDOW);
    const strides = readPair(raw, 'strides', ctx, MAX_WINDOW, 1);
    const padding = raw.padding === undefined || typeof raw.padding === 'string'
      ? readEnum(raw, 'padding', ctx, ['valid', 'same'] as const, 'valid')
      : readInt(raw, 'padding', ctx, { min: 0, max: MAX_WINDOW });
    const act = readActivation(raw, ctx, 'linear');
    return { type: 'conv2d', filters, kernelSize, strides, padding, ...act, ...readParamOptions(raw, ctx, act.activation) };
  },
  infer(spec, input, ctx) {
    if (spec.type !== 'conv2d') throw new Error('unreachable');
    requireImage(input, ctx);
    const g = window2d(input, toPair(spec.kernelSize), toPair(spec.strides ?? 1), spec.padding ?? 'valid', ctx, 'kernelSize', spec.kernelSize);
    const patch = g.kH * g.kW * g.channels;
    const positions = g.outH * g.outW;
    const bias = spec.useBias === false ? 0 : spec.filters;
    return {
      outputShape: [g.outH, g.outW, spec.filters],
      params: patch * spec.filters + bias,
      flops: positions * spec.filters * (2 * patch) + positions * bias,
      scratch: 2 * positions * patch,
      window: g,
    };
  },
  create: (plan, precision) => new Conv2dLayer(plan.index, plan.spec as never, plan.inputShape, plan.window!, precision),
};

function pooling(type: 'maxPool2d' | 'avgPool2d'): LayerDefinition {
  return {
    fields: ['type', 'poolSize', 'strides', 'padding'],
    normalize(raw, ctx) {
      const poolSize = readPair(raw, 'poolSize', ctx, MAX_WINDOW);
      const strides = readPair(raw, 'strides', ctx, MAX_WINDOW, poolSize);
      const padding = readEnum(raw, 'padding', ctx, ['valid', 'same'] as const, 'valid');
      return { type, poolSize, strides, padding };
    },
    infer(spec, input, ctx) {
      if (spec.type !== type) throw new Error('unreachable');
      requireImage(input, ctx);
      const g = window2d(input, toPair(spec.poolSize), toPair(spec.strides ?? spec.poolSize), spec.padding ?? 'valid', ctx, 'poolSize', spec.poolSize);
      return { outputShape: [g.outH, g.outW, g.channels], params: 0, flops: g.outH * g.outW * g.channels * g.kH * g.kW, scratch: 0, window: g };
    },
    create: (plan, precision) => new Pool2dLayer(plan.index, type, plan.inputShape, plan.window!, precision),
  };
}

const flatten: LayerDefinition = {
  fields: ['type'],
  normalize: () => ({ type: 'flatten' }),
  infer: (_spec, input) => ({ outputShape: [sizeOf(input)], params: 0, flops: 0, scratch: 0, window: null }),
  create: (plan) => new FlattenLayer(plan.index, plan.inputShape),
};

const dropout: LayerDefinition = {
  fields: ['type', 'rate'],
  normalize(raw, ctx) {
    if (raw.rate === undefined) throw specError(ctx, 'rate', 'rate must be a number in [0, 1), received nothing');
    return { type: 'dropout', rate: readNumber(raw, 'rate', ctx, { min: 0, max: 1, default: 0, maxExclusive: true }) };
  },
  infer: (_spec, input) => ({ outputShape: [...input], params: 0, flops: 0, scratch: 0, window: null }),
  create: (plan, precision) => new DropoutLayer(plan.index, plan.inputShape, (plan.spec as { rate: number }).rate, precision),
};

const activation: LayerDefinition = {
  fields: ['type', 'activation', 'alpha'],
  normalize(raw, ctx) {
    return { type: 'activation', ...readActivation(raw, ctx) };
  },
  infer: (_spec, input) => ({ outputShape: [...input], params: 0, flops: 0, scratch: 0, window: null }),
  create: (plan, precision) => new ActivationLayer(plan.index, plan.spec as never, plan.inputShape, precision),
};

export const LAYER_DEFINITIONS: Record<LayerType, LayerDefinition> = {
  dense, conv2d, maxPool2d: pooling('maxPool2d'), avgPool2d: pooling('avgPool2d'), flatten, dropout, activation,
};

export function normalizeLayer(raw: Raw, type: LayerType, ctx: FieldContext): LayerSpec {
  const definition = LAYER_DEFINITIONS[type];
  rejectUnknownKeys(raw, definition.fields, ctx);
  return definition.normalize(raw, ctx);
}
