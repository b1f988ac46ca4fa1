// The layer registry: the list of layer entries. Spec validation, shape inference, the summary,
// construction, weight export/import and checkpoints all go through it, and nothing else in the
// engine names a layer type. Adding a layer type: its file in layers/ and one line in the list.

import { Registry } from '../registry.js';
import { activationLayer } from './activation-layer.js';
import { batchNormLayer } from './batch-norm.js';
import { conv2dLayer } from './conv2d.js';
import { denseLayer } from './dense.js';
import { dropoutLayer } from './dropout.js';
import { flattenLayer } from './flatten.js';
import type { LayerEntry } from './layer.js';
import { normalizeLayer } from './normalize.js';
import { avgPool2dLayer, maxPool2dLayer } from './pool2d.js';

const BUILT_IN_ENTRIES = [denseLayer, conv2dLayer, maxPool2dLayer, avgPool2dLayer, flattenLayer, dropoutLayer, activationLayer,
  batchNormLayer, normalizeLayer] as const;

/** A normalised layer spec: what `normalize` of some entry returns. */
export type LayerSpec = ReturnType<(typeof BUILT_IN_ENTRIES)[number]['normalize']>;
export type LayerType = LayerSpec['type'];

/** The layer types a model may use: the built-in ones, or more in a test. */
export type LayerRegistry = Registry<LayerEntry>;

export const LAYERS: LayerRegistry = new Registry<LayerEntry>(BUILT_IN_ENTRIES);
export const LAYER_TYPES = LAYERS.types as readonly LayerType[];
