// Does this data fit this model, and does a validation split leave data on both sides? Decided from
// a description of the data (counts and label range), so the service can ask before it stores a job
// (from a dataset's record) and the trainer asks again with the real arrays: one check, one answer.

import { EngineError } from './errors.js';
import type { LossName } from './losses.js';
import type { ModelSummary } from './model-spec.js';

/** What the check needs to know of a dataset: no values, only sizes and the range of its labels. */
export interface DataDescription {
  count: number;
  /** All input values (count x values per sample). */
  inputValues: number;
  /** Class labels: the smallest and largest (and a sample holding each, for messages); null for targets. */
  labels: { count: number; min: number; max: number; minAt: number | null; maxAt: number | null } | null;
  /** All target values (count x target width); null for class labels. */
  targetValues: number | null;
}

/** The model's side: per-sample input and output widths and its loss. */
export interface ModelInterface {
  inputSize: number;
  outputSize: number;
  inputShape: number[];
  loss: LossName;
}

/** " (sample 7)" when the sample is known (real arrays), nothing when only a record was described. */
const at = (sample: number | null): string => (sample === null ? '' : ` (sample ${sample})`);

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function modelInterface(summary: Pick<ModelSummary, 'inputShape' | 'outputShape'>, loss: LossName): ModelInterface {
  return { inputSize: sizeOf(summary.inputShape), outputSize: sizeOf(summary.outputShape), inputShape: summary.inputShape, loss };
}

function mismatch(message: string): EngineError {
  return new EngineError('SHAPE_MISMATCH', message, [{ path: '/data', message }]);
}

/** Throws SHAPE_MISMATCH when the data cannot train the model; tells how the loss will read the targets. */
export function checkDataFits(model: ModelInterface, data: DataDescription, what = 'data'): 'labels' | 'values' {
  const { count } = data;
  const width = model.outputSize;
  if (!Number.isInteger(count) || count < 1) throw mismatch(`${what}: count must be a positive integer, received ${count}`);
  if (data.inputValues !== count * model.inputSize) {
    throw mismatch(`${what}: ${data.inputValues} input values do not make ${count} samples of ${model.inputSize} (the model's input ${model.inputShape.join('x')})`);
  }
  if (data.targetValues !== null) {
    if (data.targetValues !== count * width) throw mismatch(`${what}: ${data.targetValues} target values do not make ${count} rows of the model's ${width} outputs`);
    return 'values';
  }
  const labels = data.labels;
  if (!labels) throw mismatch(`${what}: needs labels or targets`);
  if (labels.count !== count) throw mismatch(`${what}: ${labels.count} labels for ${count} samples`);
  if (model.loss === 'categoricalCrossentropy') {
    if (labels.min < 0) throw mismatch(`${what}: label ${labels.min}${at(labels.minAt)} is outside the model's ${width} classes`);
    if (labels.max >= width) throw mismatch(`${what}: label ${labels.max}${at(labels.maxAt)} is outside the model's ${width} classes`);
    return 'labels';
  }
  if (width !== 1) throw mismatch(`${what}: class labels need a softmax output with categoricalCrossentropy or a single output; this model has ${width} outputs with ${model.loss}`);
  if (model.loss === 'binaryCrossentropy' && (labels.min < 0 || labels.max > 1)) {
    const [label, where] = labels.min < 0 ? [labels.min, labels.minAt] : [labels.max, labels.maxAt];
    throw mismatch(`${what}: binaryCrossentropy needs labels 0 or 1, received ${label}${at(where)}`);
  }
  return 'values';
}

/** Describes real arrays the way checkDataFits reads them. */
export function describeData(data: { inputs: Float32Array; count: number; labels?: Int32Array; targets?: Float32Array }): DataDescription {
  let labels: DataDescription['labels'] = null;
  if (!data.targets && data.labels && data.labels.length > 0) {
    let minAt = 0;
    let maxAt = 0;
    data.labels.forEach((label, i) => {
      if (label < data.labels![minAt]) minAt = i;
      if (label > data.labels![maxAt]) maxAt = i;
    });
    labels = { count: data.labels.length, min: data.labels[minAt], max: data.labels[maxAt], minAt, maxAt };
  } else if (!data.targets && data.labels) {
    labels = { count: 0, min: 0, max: 0, minAt: null, maxAt: null };
  }
  return { count: data.count, inputValues: data.inputs.length, labels, targetValues: data.targets ? data.targets.length : null };
}

/** How many samples a validation split holds out; CONFIG_INVALID when either side would be empty. */
export function validationCount(count: number, fraction: number): number {
  const valCount = Math.round(count * fraction);
  if (valCount < 1 || valCount >= count) {
    throw new EngineError('CONFIG_INVALID', `validationSplit ${fraction} of ${count} samples leaves ${valCount < 1 ? 'no validation' : 'no training'} data (${valCount} of ${count} would validate)`, [{ path: '/validationSplit', message: 'too small or too large for the dataset' }]);
  }
  return valCount;
}
