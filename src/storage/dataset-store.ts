// Datasets on disk: `datasets/<id>.json` (the record) and `datasets/<id>.bin` (dataset-codec.ts).
// Inputs arrive already validated by the upload route; this store derives the record (kind, class
// counts, stats, sha256), writes atomically, and verifies the sha256 on every load.

import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { datasetCorrupt, notFound } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ChangeFeed } from './change-feed.js';
import { classCounts, decodeDataset, elementCount, encodeDataset, featureStats } from './dataset-codec.js';
import { isUuid, newId } from './ids.js';
import { paginate } from './pagination.js';
import { ensureDir, listJson, readBytes, readJson, removeFiles, sha256Large, writeJson } from './record-files.js';
import type { DatasetRecord, DatasetTensors, NewDataset, Page, PageRequest } from './types.js';

export class DatasetStore {
  private constructor(
    private readonly dir: string,
    private readonly changes: ChangeFeed,
  ) {}

  static async open(dataDir: string, changes: ChangeFeed): Promise<DatasetStore> {
    return new DatasetStore(await ensureDir(join(dataDir, 'datasets')), changes);
  }

  async create(input: NewDataset): Promise<DatasetRecord> {
    const { tensors } = input;
    const features = elementCount(input.inputShape);
    const count = tensors.inputs.length / features;
    const bytes = encodeDataset(tensors);
    const stats = featureStats(tensors.inputs);
    await yieldToEventLoop();
    const numClasses = tensors.labels ? (input.classNames?.length ?? maxLabel(tensors.labels) + 1) : null;
    const record: DatasetRecord = {
      id: newId(),
      name: input.name,
      inputShape: input.inputShape,
      count,
      kind: tensors.labels ? 'classification' : 'regression',
      numClasses,
      classCounts: tensors.labels && numClasses !== null ? classCounts(tensors.labels, numClasses) : null,
      classNames: tensors.labels ? input.classNames : null,
      targetSize: tensors.targets ? tensors.targets.length / count : null,
      stats,
      sha256: await sha256Large(bytes),
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(this.dataPath(record.id), bytes);
    await writeJson(this.recordPath(record.id), record);
    return record;
  }

  /** The record, or a 404 DATASET_NOT_FOUND for malformed and unknown ids. */
  async get(id: string): Promise<DatasetRecord> {
    const record = isUuid(id) ? await readJson<DatasetRecord>(this.recordPath(id)) : null;
    if (!record) throw notFound('dataset', id);
    return record;
  }

  async list(page: PageRequest): Promise<Page<DatasetRecord>> {
    return paginate(await listJson<DatasetRecord>(this.dir), page);
  }

  /** Record and tensors; the bytes are checked against the record's sha256 (409 DATASET_CORRUPT). */
  async load(id: string): Promise<{ record: DatasetRecord; tensors: DatasetTensors }> {
    const record = await this.get(id);
    const bytes = await readBytes(this.dataPath(id));
    if (!bytes || (await sha256Large(bytes)) !== record.sha256) throw datasetCorrupt(id);
    return { record, tensors: decodeDataset(record, bytes) };
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await removeFiles(this.recordPath(id), this.dataPath(id));
    // Predict names classes from the training dataset: the serving index forgets names it took from this one.
    this.changes.publish({ kind: 'dataset', id });
  }

  private recordPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private dataPath(id: string): string {
    return join(this.dir, `${id}.bin`);
  }
}

function maxLabel(labels: Int32Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}
