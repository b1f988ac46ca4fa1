// DatasetStore: derived record fields, binary round trip, sha256 verified on load, deletion.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../src/storage/dataset-store.js';
import { ChangeFeed } from '../../src/storage/change-feed.js';

describe('DatasetStore', () => {
  let dir: string;
  let store: DatasetStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-ds-'));
    store = await DatasetStore.open(dir, new ChangeFeed(dir));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('derives classes and stats, and round-trips the tensors', async () => {
    const inputs = new Float32Array([1, 2, 3, 4, 5, 6]);
    const record = await store.create({ name: 'd', inputShape: [2], tensors: { inputs, labels: new Int32Array([2, 0, 2]), targets: null }, classNames: null });
    expect(record).toMatchObject({ count: 3, kind: 'classification', numClasses: 3, classCounts: [1, 0, 2], classNames: null, targetSize: null });
    expect(record.stats.mean).toBeCloseTo(3.5);
    expect(record.stats.std).toBeCloseTo(Math.sqrt(35 / 12));
    const { tensors } = await store.load(record.id);
    expect(Array.from(tensors.inputs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(tensors.labels!)).toEqual([2, 0, 2]);
    expect(tensors.inputs.byteOffset).toBe(0);
  });

  it('stores regression targets', async () => {
    const record = await store.create({ name: 'r', inputShape: [1], tensors: { inputs: new Float32Array([1, 2]), labels: null, targets: new Float32Array([1, 2, 3, 4]) }, classNames: null });
    expect(record).toMatchObject({ kind: 'regression', targetSize: 2, numClasses: null });
    expect(Array.from((await store.load(record.id)).tensors.targets!)).toEqual([1, 2, 3, 4]);
  });

  it('refuses to load data whose sha256 changed (409 DATASET_CORRUPT)', async () => {
    const record = await store.create({ name: 'd', inputShape: [1], tensors: { inputs: new Float32Array([1]), labels: new Int32Array([0]), targets: null }, classNames: ['a'] });
    await writeFile(join(dir, 'datasets', `${record.id}.bin`), Buffer.alloc(8));
    await expect(store.load(record.id)).rejects.toMatchObject({ status: 409, code: 'DATASET_CORRUPT' });
  });

  it('deletes, and 404s malformed or unknown ids', async () => {
    const record = await store.create({ name: 'd', inputShape: [1], tensors: { inputs: new Float32Array([1]), labels: new Int32Array([0]), targets: null }, classNames: null });
    await store.delete(record.id);
    await expect(store.get(record.id)).rejects.toMatchObject({ status: 404, code: 'DATASET_NOT_FOUND' });
    await expect(store.get('../models/x')).rejects.toMatchObject({ status: 404 });
  });
});
