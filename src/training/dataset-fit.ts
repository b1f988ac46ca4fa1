// Does a dataset fit a model? Checked when a job is submitted and before an evaluate (422
// SHAPE_MISMATCH), and again by the processor, since the model or dataset could change before the run.
// The answer is the engine's own check (the one fit runs on the real arrays), asked with a
// description made from the dataset's record, so submission and run cannot disagree.

import { checkDataFits, isEngineError, modelInterface, validationCount, type DataDescription } from '../engine/index.js';
import { AppError } from '../errors.js';
import type { DatasetRecord, ModelRecord } from '../storage/index.js';

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Throws 422 SHAPE_MISMATCH naming `field` (a JSON pointer into the request) when it does not fit. */
export function assertDatasetFits(model: ModelRecord, dataset: DatasetRecord, field = '/datasetId'): void {
  try {
    checkDataFits(modelInterface(model.summary, model.spec.loss), describeDataset(dataset), `dataset ${dataset.id}`);
  } catch (err) {
    if (!isEngineError(err)) throw err;
    const problem = err.message.replace(`dataset ${dataset.id}: `, '');
    throw new AppError(422, 'SHAPE_MISMATCH', `dataset ${dataset.id} does not fit model ${model.id}: ${problem}`, [{ path: field, message: problem }]);
  }
}

/** Throws 422 CONFIG_INVALID naming /validationSplit when the split leaves no training or no validation samples. */
export function assertSplitLeavesData(dataset: DatasetRecord, validationSplit: number): void {
  if (validationSplit > 0) validationCount(dataset.count, validationSplit);
}

/** The record's view of the data: sizes, and the label range from the class counts. */
export function describeDataset(dataset: DatasetRecord): DataDescription {
  const inputValues = dataset.count * product(dataset.inputShape);
  if (dataset.kind === 'regression') return { count: dataset.count, inputValues, labels: null, targetValues: dataset.count * (dataset.targetSize ?? 0) };
  const present = (dataset.classCounts ?? []).flatMap((n, label) => (n > 0 ? [label] : []));
  const min = present[0] ?? 0;
  // A declared class (a class name) counts even without samples: the model must be able to predict it.
  const max = Math.max(present.at(-1) ?? 0, (dataset.numClasses ?? 0) - 1);
  // The record keeps counts, not positions, so the messages name the label but no sample.
  return { count: dataset.count, inputValues, labels: { count: dataset.count, min, max, minAt: null, maxAt: null }, targetValues: null };
}
