// assertDatasetFits: per-sample element counts, regression target widths, class counts.

import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/index.js';
import type { DatasetRecord, ModelRecord } from '../../src/storage/index.js';
import { assertDatasetFits } from '../../src/training/dataset-fit.js';

function model(spec: unknown): ModelRecord {
  const { spec: valid, summary } = validateSpec(spec);
  return { id: 'm', name: 'm', spec: valid, summary, createdAt: '' };
}

function dataset(fields: Partial<DatasetRecord>): DatasetRecord {
  return {
    id: 'd', name: 'd', inputShape: [4], count: 1, kind: 'classification', numClasses: 2, classCounts: [1, 0], classNames: null,
    targetSize: null, stats: { min: 0, max: 0, mean: 0, std: 0 }, sha256: '', createdAt: '', ...fields,
  };
}

const classifier = model({ input: [2, 2, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
const regressor = model({ input: [4], layers: [{ type: 'dense', units: 2 }], loss: 'mse' });

describe('assertDatasetFits', () => {
  it('accepts rows with the same element count in another shape, and up to as many classes as outputs', () => {
    expect(() => assertDatasetFits(classifier, dataset({ inputShape: [4], numClasses: 3 }))).not.toThrow();
    expect(() => assertDatasetFits(regressor, dataset({ kind: 'regression', numClasses: null, targetSize: 2 }))).not.toThrow();
  });

  it('throws 422 SHAPE_MISMATCH naming the field otherwise', () => {
    const cases: [ModelRecord, DatasetRecord][] = [
      [classifier, dataset({ inputShape: [5] })],
      [classifier, dataset({ numClasses: 4 })],
      [regressor, dataset({ kind: 'regression', numClasses: null, targetSize: 3 })],
    ];
    for (const [m, d] of cases) {
      expect(() => assertDatasetFits(m, d, '/validationDatasetId')).toThrow(
        expect.objectContaining({ status: 422, code: 'SHAPE_MISMATCH', details: [expect.objectContaining({ path: '/validationDatasetId' })] }),
      );
    }
  });
});
