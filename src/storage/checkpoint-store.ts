// Checkpoints on disk, one directory per model: `checkpoints/<modelId>/<id>.safetensors` (the weights
// `/weights` serves; sha256 = weightsSha256), optionally `<id>.state` (the engine's full training
// state, for resume; sha256 = stateSha256) and `<id>.json` (the CheckpointRecord, written last: the
// commit point). Every read of weights or state verifies its sha256 (409 CHECKPOINT_CORRUPT).
// Per-model directories keep `latest` cheap: it reads one model's records, not every checkpoint's.

import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointCorrupt, notFound } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ChangeFeed } from './change-feed.js';
import { isUuid, newId } from './ids.js';
import { newestFirst, paginate } from './pagination.js';
import { ensureDir, listDir, listJson, readBytes, readJson, removeFiles, sha256, writeJson } from './record-files.js';
import type { CheckpointRecord, CheckpointTag, NewCheckpoint, Page, PageRequest } from './types.js';

/** Tags at most one checkpoint of a model carries: adding one moves it. */
const UNIQUE_TAGS: ReadonlySet<CheckpointTag> = new Set(['best']);

export class CheckpointStore {
  /** checkpoint id -> model id. Both are immutable, so this memo never goes stale (deletes just miss). */
  private readonly owners = new Map<string, string>();

  private constructor(
    private readonly root: string,
    /** Every write, tag move and delete is announced here (after it is on disk): the serving index listens. */
    private readonly changes: ChangeFeed,
  ) {}

  static async open(dataDir: string, changes: ChangeFeed): Promise<CheckpointStore> {
    return new CheckpointStore(await ensureDir(join(dataDir, 'checkpoints')), changes);
  }

  /** Writes weights (and state) atomically, then the record. A `best` tag moves here from its old holder. */
  async create(input: NewCheckpoint): Promise<CheckpointRecord> {
    if (!isUuid(input.modelId)) throw notFound('model', input.modelId);
    const tags = [...new Set(input.tags ?? [])];
    const record: CheckpointRecord = {
      id: newId(),
      modelId: input.modelId,
      jobId: input.jobId ?? null,
      datasetId: input.datasetId ?? null,
      epoch: input.epoch,
      metrics: input.metrics ?? {},
      tags: tags.filter((t) => !UNIQUE_TAGS.has(t)),
      weightsSha256: sha256(input.weights),
      stateSha256: input.state ? sha256(input.state) : null,
      createdAt: new Date().toISOString(),
    };
    await ensureDir(join(this.root, record.modelId));
    try {
      await writeFileAtomic(this.file(record, 'safetensors'), input.weights);
      if (input.state) await writeFileAtomic(this.file(record, 'state'), input.state);
      await writeJson(this.file(record, 'json'), record);
    } catch (err) {
      // A failed write (a full disk) leaves nothing behind: earlier checkpoints are untouched, and
      // the space this one took is given back.
      await removeFiles(this.file(record, 'json'), this.file(record, 'safetensors'), this.file(record, 'state')).catch(() => undefined);
      throw err;
    }
    this.owners.set(record.id, record.modelId);
    for (const tag of tags.filter((t) => UNIQUE_TAGS.has(t))) await this.addTag(record.id, tag);
    this.changed(record.modelId);
    return this.get(record.id, record.modelId);
  }

  /** The record; 404 CHECKPOINT_NOT_FOUND when malformed, unknown, or (with `modelId`) another model's. */
  async get(id: string, modelId?: string): Promise<CheckpointRecord> {
    const owner = modelId ?? (await this.ownerOf(id));
    const record = isUuid(id) && owner && isUuid(owner) ? await readJson<CheckpointRecord>(this.file({ id, modelId: owner }, 'json')) : null;
    if (!record) throw notFound('checkpoint', id);
    return record;
  }

  async list(modelId: string, page: PageRequest): Promise<Page<CheckpointRecord>> {
    return paginate(await this.all(modelId), page);
  }

  /** Every checkpoint of a model, newest first. */
  async all(modelId: string): Promise<CheckpointRecord[]> {
    if (!isUuid(modelId)) return [];
    return (await listJson<CheckpointRecord>(join(this.root, modelId))).sort(newestFirst);
  }

  async latest(modelId: string): Promise<CheckpointRecord | null> {
    return (await this.all(modelId))[0] ?? null;
  }

  async best(modelId: string): Promise<CheckpointRecord | null> {
    return (await this.all(modelId)).find((r) => r.tags.includes('best')) ?? null;
  }

  /** The safetensors bytes, sha256-verified. */
  async readWeights(id: string): Promise<Uint8Array> {
    const record = await this.get(id);
    return this.readVerified(record, 'safetensors', record.weightsSha256, 'weights');
  }

  /** The training-state bytes, sha256-verified; null for checkpoints without state (imports). */
  async readState(id: string): Promise<Uint8Array | null> {
    const record = await this.get(id);
    if (record.stateSha256 === null) return null;
    return this.readVerified(record, 'state', record.stateSha256, 'training state');
  }

  async addTag(id: string, tag: CheckpointTag): Promise<CheckpointRecord> {
    const record = await this.get(id);
    if (UNIQUE_TAGS.has(tag)) {
      for (const other of await this.all(record.modelId)) {
        if (other.id !== id && other.tags.includes(tag)) await this.removeTag(other.id, tag);
      }
    }
    if (record.tags.includes(tag)) return record;
    const updated = { ...record, tags: [...record.tags, tag] };
    await writeJson(this.file(record, 'json'), updated);
    this.changed(record.modelId);
    return updated;
  }

  async removeTag(id: string, tag: CheckpointTag): Promise<CheckpointRecord> {
    const record = await this.get(id);
    const updated = { ...record, tags: record.tags.filter((t) => t !== tag) };
    await writeJson(this.file(record, 'json'), updated);
    this.changed(record.modelId);
    return updated;
  }

  async delete(id: string): Promise<void> {
    const record = await this.get(id);
    await removeFiles(this.file(record, 'json'), this.file(record, 'safetensors'), this.file(record, 'state'));
    this.owners.delete(id);
    this.changed(record.modelId);
  }

  async deleteByModel(modelId: string): Promise<void> {
    for (const record of await this.all(modelId)) await this.delete(record.id);
    if (isUuid(modelId)) await rmdir(join(this.root, modelId)).catch(() => undefined); // gone already, or a writer raced in
  }

  private changed(modelId: string): void {
    this.changes.publish({ kind: 'checkpoints', id: modelId });
  }

  /** Which model directory holds this checkpoint (id-only lookups: the training processor's). */
  private async ownerOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const known = this.owners.get(id);
    if (known) return known;
    for (const modelId of await listDir(this.root)) {
      if (isUuid(modelId) && (await readJson<CheckpointRecord>(join(this.root, modelId, `${id}.json`)))) {
        this.owners.set(id, modelId);
        return modelId;
      }
    }
    return null;
  }

  private async readVerified(record: CheckpointRecord, ext: string, expected: string, what: string): Promise<Uint8Array> {
    const bytes = await readBytes(this.file(record, ext));
    if (!bytes || sha256(bytes) !== expected) throw checkpointCorrupt(record.id, what);
    return bytes;
  }

  private file(ref: { id: string; modelId: string }, ext: string): string {
    return join(this.root, ref.modelId, `${ref.id}.${ext}`);
  }
}
