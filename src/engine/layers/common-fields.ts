// Spec fields several layer types share (the output activation, the weights' options) and the
// input checks of their shape inference.

import { ACTIVATIONS, RELU_FAMILY, type ActivationName } from '../activations.js';
import { INITIALIZERS, type InitializerName } from '../init.js';
import { describe, specError, type FieldContext, type FieldSchemas } from '../spec-fields.js';
import { formatShape, type Shape } from '../tensor.js';

/** leakyRelu's negative slope; only allowed with activation "leakyRelu". */
export const ALPHA_FIELD = { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.01 } as const;

/** The activation dense and conv2d apply to their output. */
export const OUTPUT_ACTIVATION_FIELDS = {
  activation: { kind: 'enum', values: ACTIVATIONS, default: 'linear' },
  alpha: ALPHA_FIELD,
} as const satisfies FieldSchemas;

export const WEIGHT_FIELDS = {
  useBias: { kind: 'boolean', default: true },
  kernelInitializer: { kind: 'enum', values: INITIALIZERS, defaultFrom: `"heNormal" with the relu family (${[...RELU_FAMILY].join(', ')}), else "glorotUniform"` },
  biasInitializer: { kind: 'enum', values: INITIALIZERS, default: 'zeros' },
} as const satisfies FieldSchemas;

export interface ActivationOptions {
  activation: ActivationName;
  /** Present exactly when the activation is leakyRelu. */
  alpha?: number;
}

export interface WeightOptions {
  useBias: boolean;
  kernelInitializer: InitializerName;
  biasInitializer: InitializerName;
}

export function activationOptions(values: { activation: ActivationName; alpha: number }, ctx: FieldContext, given: ReadonlySet<string>): ActivationOptions {
  const { activation, alpha } = values;
  if (given.has('alpha') && activation !== 'leakyRelu') {
    throw specError(ctx, 'alpha', `alpha applies only to activation "leakyRelu", received activation ${describe(activation)}`);
  }
  return activation === 'leakyRelu' ? { activation, alpha } : { activation };
}

export function weightOptions(values: { useBias: boolean; kernelInitializer: InitializerName | undefined; biasInitializer: InitializerName }, activation: ActivationName): WeightOptions {
  return {
    useBias: values.useBias,
    kernelInitializer: values.kernelInitializer ?? (RELU_FAMILY.has(activation) ? 'heNormal' : 'glorotUniform'),
    biasInitializer: values.biasInitializer,
  };
}

export function requireFlat(input: Shape, ctx: FieldContext): void {
  if (input.length !== 1) {
    throw specError(ctx, null, `expects a flat [features] input but received ${formatShape(input)}; add a flatten layer before it`);
  }
}

export function requireImage(input: Shape, ctx: FieldContext): void {
  if (input.length !== 3) {
    throw specError(ctx, null, `expects a [height, width, channels] input but received [${input.join(', ')}]`);
  }
}
