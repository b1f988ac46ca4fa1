// The serving hot path's memory of models, their checkpoints and labels, so a predict reads no disk:
// a model's records are read once, on first use, and re-read when the stores' change feed announces a
// change to them. When the feed may be missing changes (distributed mode with Redis down), entries
// older than `staleAfterMs` are re-read instead: bounded staleness rather than stale data for long.

import { notFound } from '../errors.js';
import type { JobStore } from '../storage/job-store.js';
import type { CheckpointRecord, LabelRecord, ModelRecord, Storage, StorageChange } from '../storage/index.js';

export interface ServingIndexOptions {
  /** Age past which an entry is re-read while the feed is not live. */
  staleAfterMs: number;
  /** Whether every change reaches this process now (always, embedded; while the Redis relay is connected, distributed). */
  feedLive: () => boolean;
  /** Injected in tests. */
  now?: () => number;
}

export interface ModelEntry {
  /** null: no such model (remembered too, so unknown ids cost no disk read either). */
  model: ModelRecord | null;
  /** Newest first. */
  checkpoints: CheckpointRecord[];
  labels: Map<string, LabelRecord>;
  loadedAt: number;
}

interface Slot {
  promise: Promise<ModelEntry>;
  value: ModelEntry | null;
}

/** Unknown ids are remembered too; past this many entries the oldest are forgotten. */
const MAX_ENTRIES = 10_000;

export class ServingIndex {
  private readonly slots = new Map<string, Slot>();
  /** Checkpoint id -> the class names of the dataset it was trained on. */
  private readonly classNamesOf = new Map<string, Promise<string[] | null>>();
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly storage: Storage,
    private readonly jobs: JobStore,
    private readonly options: ServingIndexOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.unsubscribe = storage.changes.subscribe((change) => this.apply(change));
  }

  /** A model's entry, from memory when current. */
  entry(modelId: string): Promise<ModelEntry> {
    const slot = this.slots.get(modelId);
    if (slot && (slot.value === null || this.fresh(slot.value))) return slot.promise;
    return this.load(modelId);
  }

  /** The model record; 404 MODEL_NOT_FOUND when there is none. */
  async model(modelId: string): Promise<ModelRecord> {
    const { model } = await this.entry(modelId);
    if (!model) throw notFound('model', modelId);
    return model;
  }

  /** The class names predict reports for a checkpoint's classes; null when unknown or deleted since. */
  classNames(checkpoint: CheckpointRecord): Promise<string[] | null> {
    let names = this.classNamesOf.get(checkpoint.id);
    if (!names) {
      names = this.readClassNames(checkpoint);
      this.classNamesOf.set(checkpoint.id, names);
    }
    return names;
  }

  /** Forget everything: a relay that reconnects calls it, since it may have missed changes meanwhile. */
  invalidateAll(): void {
    this.slots.clear();
    this.classNamesOf.clear();
  }

  close(): void {
    this.unsubscribe();
    this.invalidateAll();
  }

  private apply(change: StorageChange): void {
    if (change.kind === 'dataset') {
      this.classNamesOf.clear();
      return;
    }
    // Only models someone serves are re-read (now, not on their next request); others load on first use.
    if (this.slots.has(change.id)) void this.load(change.id).catch(() => undefined);
  }

  private fresh(entry: ModelEntry): boolean {
    return this.options.feedLive() || this.now() - entry.loadedAt <= this.options.staleAfterMs;
  }

  /** A newer load replaces an older one even if the older finishes last, so a change is never undone. */
  private load(modelId: string): Promise<ModelEntry> {
    const slot: Slot = { promise: this.read(modelId), value: null };
    this.slots.delete(modelId); // re-inserted last: the eviction below drops the least recently loaded
    this.slots.set(modelId, slot);
    slot.promise.then(
      (entry) => {
        slot.value = entry;
      },
      () => {
        if (this.slots.get(modelId) === slot) this.slots.delete(modelId); // a failed read is not remembered
      },
    );
    while (this.slots.size > MAX_ENTRIES) this.slots.delete(this.slots.keys().next().value as string);
    return slot.promise;
  }

  private async read(modelId: string): Promise<ModelEntry> {
    const loadedAt = this.now();
    const model = await this.storage.models.get(modelId).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'MODEL_NOT_FOUND') return null;
      throw err;
    });
    if (!model) return { model: null, checkpoints: [], labels: new Map(), loadedAt };
    const [checkpoints, labels] = await Promise.all([this.storage.checkpoints.all(modelId), this.storage.labels.all(modelId)]);
    return { model, checkpoints, labels: new Map(labels.map((l) => [l.label, l])), loadedAt };
  }

  private async readClassNames(checkpoint: CheckpointRecord): Promise<string[] | null> {
    try {
      const datasetId = checkpoint.datasetId ?? (checkpoint.jobId ? (await this.jobs.get(checkpoint.jobId))?.datasetId : null);
      return datasetId ? (await this.storage.datasets.get(datasetId)).classNames : null;
    } catch {
      return null;
    }
  }
}
