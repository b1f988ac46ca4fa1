// Does a dataset fit a model? Checked when a job is submitted and before an evaluate (422
// SHAPE_MISMATCH), and again by the processor, since the model or dataset could change before the run.

import { AppError } from '../errors.js';
import type { DatasetRecord, ModelRecord } from '../storage/index.js';

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Throws 422 SHAPE_MISMATCH naming `field` (a JSON pointer into the request) when it does not fit. */
export function assertDatasetFits(model: ModelRecord, dataset: DatasetRecord, field = '/datasetId'): void {
  const problem = mismatch(model, dataset);
  if (problem) throw new AppError(422, 'SHAPE_MISMATCH', `dataset ${dataset.id} does not fit model ${model.id}: ${problem}`, [{ path: field, message: problem }]);
}

function mismatch(model: ModelRecord, dataset: DatasetRecord): string | null {
  const modelInputs = product(model.spec.input);
  const dataInputs = product(dataset.inputShape);
  if (modelInputs !== dataInputs) {
    return `its rows have ${dataInputs} values (shape [${dataset.inputShape.join(', ')}]) but the model takes ${modelInputs} (shape [${model.spec.input.join(', ')}])`;
  }
  const outputs = product(model.summary.layers.at(-1)?.outputShape ?? model.spec.input);
  if (dataset.kind === 'regression' && dataset.targetSize !== outputs) {
    return `its targets have ${dataset.targetSize} values per row but the model outputs ${outputs}`;
  }
  if (dataset.kind === 'classification' && model.spec.loss === 'categoricalCrossentropy' && (dataset.numClasses ?? 0) > outputs) {
    return `it has ${dataset.numClasses} classes but the model outputs ${outputs} probabilities`;
  }
  return null;
}
