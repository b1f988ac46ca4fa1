// The one validation every upload format (JSON, CSV, NPY) ends in: sample counts agree, values are
// finite, labels are class indices that fit the class names. Then the store writes the dataset.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import type { ErrorDetail } from '../../../errors.js';
import type { DatasetStore } from '../../../storage/dataset-store.js';
import { elementCount } from '../../../storage/dataset-codec.js';
import type { DatasetRecord } from '../../../storage/types.js';
import { invalid } from '../../schemas/common.js';

/** More classes than this is almost surely a regression target sent as labels. */
export const MAX_CLASSES = 10_000;

export const inputShapeSchema = z.array(z.number().int().min(1).max(1_000_000)).min(1).max(3);
export const classNamesSchema = z.array(z.string().min(1).max(200)).min(1).max(MAX_CLASSES);

export interface DatasetDraft {
  name: string;
  inputShape: number[];
  /** count x prod(inputShape), row-major. */
  inputs: Float32Array;
  labels: ArrayLike<number> | null;
  /** count x targetSize, row-major. */
  targets: Float32Array | null;
  /** How many target rows the client sent (one number per sample counts as a row of one): never inferred from the value count. */
  targetRows: number | null;
  classNames: string[] | null;
  /** JSON pointers of the parts in the client's request, for error details. */
  at: { inputs: string; labels: string; targets: string; classNames: string };
}

export async function assembleDataset(store: DatasetStore, draft: DatasetDraft): Promise<DatasetRecord> {
  const features = elementCount(draft.inputShape);
  const count = draft.inputs.length / features;
  const problems: ErrorDetail[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  if (!Number.isInteger(count) || count < 1) problem(draft.at.inputs, `expected at least one sample of ${features} values`);
  const badInput = firstNonFinite(draft.inputs);
  if (badInput >= 0) problem(`${draft.at.inputs}/${Math.floor(badInput / features)}`, 'values must be finite numbers');
  if ((draft.labels === null) === (draft.targets === null)) problem('/', 'give exactly one of labels (classification) or targets (regression)');
  if (draft.targets && draft.classNames) problem(draft.at.classNames, 'classNames only apply to labels (classification)');
  if (draft.classNames && new Set(draft.classNames).size !== draft.classNames.length) problem(draft.at.classNames, 'class names must be unique');

  let labels: Int32Array | null = null;
  if (draft.labels) {
    if (draft.labels.length !== count) problem(draft.at.labels, `expected ${count} labels (one per sample), received ${draft.labels.length}`);
    const limit = draft.classNames?.length ?? MAX_CLASSES;
    const bad = Array.prototype.findIndex.call(draft.labels, (v: number) => !Number.isInteger(v) || v < 0 || v >= limit);
    if (bad >= 0) problem(`${draft.at.labels}/${bad}`, `labels must be class indices from 0 to ${limit - 1}, received ${draft.labels[bad]}`);
    labels = Int32Array.from(draft.labels);
  }
  if (draft.targets) {
    if (draft.targetRows !== count) problem(draft.at.targets, `expected ${count} targets (one number or one row per sample), received ${draft.targetRows ?? 0}`);
    else if (draft.targets.length === 0 || draft.targets.length % count !== 0) problem(draft.at.targets, `expected ${count} target rows of equal width`);
    const bad = firstNonFinite(draft.targets);
    if (bad >= 0) problem(`${draft.at.targets}/${Math.floor(bad / Math.max(1, draft.targets.length / count))}`, 'targets must be finite numbers');
  }
  if (problems.length > 0) invalid(problems);
  await yieldToEventLoop();

  return store.create({
    name: draft.name,
    inputShape: draft.inputShape,
    tensors: { inputs: draft.inputs, labels, targets: draft.targets },
    classNames: labels ? draft.classNames : null,
  });
}

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
