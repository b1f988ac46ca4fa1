// Models on disk: `models/<id>.json` holds the record (name, normalized spec, engine summary).
// Specs are validated by the engine before they get here.

import { join } from 'node:path';
import { notFound } from '../errors.js';
import type { ChangeFeed } from './change-feed.js';
import { isUuid, newId } from './ids.js';
import { paginate } from './pagination.js';
import { ensureDir, listJson, readJson, removeFiles, writeJson } from './record-files.js';
import type { ModelRecord, NewModel, Page, PageRequest } from './types.js';

export class ModelStore {
  private constructor(
    private readonly dir: string,
    private readonly changes: ChangeFeed,
  ) {}

  static async open(dataDir: string, changes: ChangeFeed): Promise<ModelStore> {
    return new ModelStore(await ensureDir(join(dataDir, 'models')), changes);
  }

  async create(input: NewModel): Promise<ModelRecord> {
    const record: ModelRecord = { id: newId(), ...input, createdAt: new Date().toISOString() };
    await writeJson(this.path(record.id), record);
    this.changes.publish({ kind: 'model', id: record.id });
    return record;
  }

  /** The record, or a 404 MODEL_NOT_FOUND for malformed and unknown ids. */
  async get(id: string): Promise<ModelRecord> {
    const record = isUuid(id) ? await readJson<ModelRecord>(this.path(id)) : null;
    if (!record) throw notFound('model', id);
    return record;
  }

  async list(page: PageRequest): Promise<Page<ModelRecord>> {
    return paginate(await listJson<ModelRecord>(this.dir), page);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await removeFiles(this.path(id));
    this.changes.publish({ kind: 'model', id });
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
