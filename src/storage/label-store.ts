// Labels of a model's checkpoints (`production` -> a checkpoint id), one file per model:
// `labels/<modelId>.json`, the whole list rewritten atomically. Writes to one model's labels are
// serialized in this process; every change is announced on the change feed.

import { join } from 'node:path';
import { notFound, validationError } from '../errors.js';
import type { ChangeFeed } from './change-feed.js';
import { isUuid } from './ids.js';
import { ensureDir, readJson, removeFiles, writeJson } from './record-files.js';

/** What a label may be: `latest` and `best` are selectors of their own, and UUIDs are checkpoint ids. */
export const LABEL_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const RESERVED_LABELS: ReadonlySet<string> = new Set(['latest', 'best']);

export interface LabelRecord {
  label: string;
  checkpointId: string;
  updatedAt: string;
}

export function isLabel(value: string): boolean {
  return LABEL_PATTERN.test(value) && !RESERVED_LABELS.has(value);
}

export class LabelStore {
  private readonly writing = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly dir: string,
    private readonly changes: ChangeFeed,
  ) {}

  static async open(dataDir: string, changes: ChangeFeed): Promise<LabelStore> {
    return new LabelStore(await ensureDir(join(dataDir, 'labels')), changes);
  }

  /** Every label of a model, by name. */
  async all(modelId: string): Promise<LabelRecord[]> {
    if (!isUuid(modelId)) return [];
    const labels = (await readJson<LabelRecord[]>(this.path(modelId))) ?? [];
    return labels.sort((a, b) => (a.label < b.label ? -1 : 1));
  }

  async get(modelId: string, label: string): Promise<LabelRecord> {
    const found = (await this.all(modelId)).find((l) => l.label === label);
    if (!found) throw notFound('label', label);
    return found;
  }

  /** Points `label` at a checkpoint (the caller checked it belongs to the model). */
  async set(modelId: string, label: string, checkpointId: string): Promise<LabelRecord> {
    assertLabel(label);
    const record: LabelRecord = { label, checkpointId, updatedAt: new Date().toISOString() };
    await this.change(modelId, (labels) => [...labels.filter((l) => l.label !== label), record]);
    return record;
  }

  /** 404 LABEL_NOT_FOUND when the model has no such label. */
  async delete(modelId: string, label: string): Promise<void> {
    await this.change(modelId, (labels) => {
      if (!labels.some((l) => l.label === label)) throw notFound('label', label);
      return labels.filter((l) => l.label !== label);
    });
  }

  async deleteByModel(modelId: string): Promise<void> {
    if (!isUuid(modelId)) return;
    await this.serialized(modelId, () => removeFiles(this.path(modelId)));
    this.changes.publish({ kind: 'labels', id: modelId });
  }

  private async change(modelId: string, edit: (labels: LabelRecord[]) => LabelRecord[]): Promise<void> {
    if (!isUuid(modelId)) throw notFound('model', modelId);
    await this.serialized(modelId, async () => writeJson(this.path(modelId), edit(await this.all(modelId))));
    this.changes.publish({ kind: 'labels', id: modelId });
  }

  /** One read-modify-write at a time per model, so two PUTs never lose one another. */
  private serialized<T>(modelId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.writing.get(modelId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.writing.set(modelId, settled);
    void settled.then(() => {
      if (this.writing.get(modelId) === settled) this.writing.delete(modelId);
    });
    return next;
  }

  private path(modelId: string): string {
    return join(this.dir, `${modelId}.json`);
  }
}

function assertLabel(label: string): void {
  if (!isLabel(label)) {
    throw validationError(`label "${label}" must match [a-z][a-z0-9-]{0,31} and not be "latest" or "best"`, [
      { path: '/params/label', message: 'must match [a-z][a-z0-9-]{0,31} and not be "latest" or "best"' },
    ]);
  }
}
