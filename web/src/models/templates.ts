// Starting points for the spec editor: an MLP and a small CNN fitted to a dataset's input shape and
// classes, and one starter per layer type for "add layer". Plain data (no DOM): npm test checks that
// the engine accepts every template (test/web/templates.test.ts).

import type { Spec } from '../api/types.js';

export interface TemplateTarget {
  inputShape: number[];
  /** Output units: the class count, or the target width for regression. */
  outputs: number;
  kind: 'classification' | 'regression';
}

export const DEFAULT_TARGET: TemplateTarget = { inputShape: [28, 28, 1], outputs: 10, kind: 'classification' };

function head(target: TemplateTarget): { layer: Record<string, unknown>; loss: string } {
  return target.kind === 'classification'
    ? { layer: { type: 'dense', units: Math.max(2, target.outputs), activation: 'softmax' }, loss: 'categoricalCrossentropy' }
    : { layer: { type: 'dense', units: Math.max(1, target.outputs), activation: 'linear' }, loss: 'mse' };
}

export const TEMPLATES: Record<'mlp' | 'cnn', { label: string; build(target: TemplateTarget): Spec }> = {
  mlp: {
    label: 'MLP',
    build(target) {
      const { layer, loss } = head(target);
      const flatten = target.inputShape.length > 1 ? [{ type: 'flatten' }] : [];
      return {
        input: [...target.inputShape],
        layers: [...flatten, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }, layer],
        loss,
      };
    },
  },
  cnn: {
    label: 'CNN',
    build(target) {
      const { layer, loss } = head(target);
      // A CNN needs an image; a flat dataset fits any shape with as many elements (API.md): a square
      // when the feature count is one, else a strip one pixel high.
      const features = target.inputShape.reduce((a, b) => a * b, 1);
      const side = Math.sqrt(features);
      const input = target.inputShape.length === 3 ? [...target.inputShape] : Number.isInteger(side) ? [side, side, 1] : [1, features, 1];
      const small = Math.min(input[0], input[1]) < 8;
      return {
        input,
        layers: [
          { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
          ...(small ? [] : [{ type: 'maxPool2d', poolSize: 2 }]),
          { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
          ...(small ? [] : [{ type: 'maxPool2d', poolSize: 2 }]),
          { type: 'flatten' },
          layer,
        ],
        loss,
      };
    },
  },
};

/** What "add layer" inserts for each type; the engine fills the remaining defaults. */
export const LAYER_STARTERS: Record<string, Record<string, unknown>> = {
  dense: { type: 'dense', units: 32, activation: 'relu' },
  conv2d: { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
  maxPool2d: { type: 'maxPool2d', poolSize: 2 },
  avgPool2d: { type: 'avgPool2d', poolSize: 2 },
  flatten: { type: 'flatten' },
  dropout: { type: 'dropout', rate: 0.2 },
  activation: { type: 'activation', activation: 'relu' },
  batchNorm: { type: 'batchNorm' },
  normalize: { type: 'normalize' },
};

export const LOSSES = ['categoricalCrossentropy', 'binaryCrossentropy', 'mse'];
