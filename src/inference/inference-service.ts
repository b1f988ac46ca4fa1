// Predict and evaluate for a model: picks the checkpoint (`latest`, `best` or an id), loads its
// weights once (sha256-verified, kept in an LRU keyed by checkpoint id) and runs the engine in the
// predict pool. A corrupt `latest` is skipped for the newest valid checkpoint and reported.

import type { Evaluation } from '../engine/index.js';
import { AppError, conflict, isAppError } from '../errors.js';
import type { CheckpointStore } from '../storage/checkpoint-store.js';
import type { CheckpointRecord, DatasetTensors, ModelRecord } from '../storage/types.js';
import { LruCache } from './lru-cache.js';
import type { PredictPool } from './predict-pool.js';
import type { PredictOutput } from './tasks.js';

/** Hooks the API wires to its logger and metrics; inference knows nothing of either. */
export interface InferenceObserver {
  taskSeconds(op: 'predict' | 'evaluate', seconds: number): void;
  checkpointSkipped(modelId: string, checkpointId: string, reason: string): void;
}

interface Loaded {
  record: CheckpointRecord;
  weights: Uint8Array;
}

export class InferenceService {
  private readonly weights: LruCache<string, Uint8Array>;

  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly pool: PredictPool,
    cacheBytes: number,
    private readonly observer: InferenceObserver,
  ) {
    this.weights = new LruCache(cacheBytes);
  }

  async predict(model: ModelRecord, selector: string, inputs: Float32Array, count: number): Promise<PredictOutput & { checkpoint: CheckpointRecord }> {
    const { record, weights } = await this.resolve(model, selector);
    const started = performance.now();
    const output = await this.pool.predict({ checkpointId: record.id, spec: model.spec, weights, inputs, count });
    this.observer.taskSeconds('predict', (performance.now() - started) / 1000);
    return { ...output, checkpoint: record };
  }

  async evaluate(model: ModelRecord, selector: string, data: DatasetTensors, count: number): Promise<Evaluation & { checkpoint: CheckpointRecord }> {
    const { record, weights } = await this.resolve(model, selector);
    const started = performance.now();
    const result = await this.pool.evaluate({ checkpointId: record.id, spec: model.spec, weights, count, ...data });
    this.observer.taskSeconds('evaluate', (performance.now() - started) / 1000);
    return { ...result, checkpoint: record };
  }

  /**
   * `latest` (newest valid), `best` (the `best` tag; the newest valid checkpoint when no checkpoint
   * carries it yet) or a checkpoint id of this model (404 otherwise; 409 when corrupt).
   */
  async resolve(model: ModelRecord, selector: string): Promise<Loaded> {
    if (selector !== 'latest' && selector !== 'best') return this.load(await this.checkpoints.get(selector, model.id));
    const all = await this.checkpoints.all(model.id);
    if (all.length === 0) throw conflict('MODEL_NOT_TRAINED', `model ${model.id} has no checkpoint yet; train it or import weights`);
    const best = selector === 'best' ? all.find((r) => r.tags.includes('best')) : undefined;
    if (best) return this.load(best);
    let firstCorrupt: AppError | null = null;
    for (const record of all) {
      try {
        return await this.load(record);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'CHECKPOINT_CORRUPT') throw err;
        firstCorrupt ??= err;
        this.observer.checkpointSkipped(model.id, record.id, err.message);
      }
    }
    throw firstCorrupt as AppError;
  }

  private async load(record: CheckpointRecord): Promise<Loaded> {
    const cached = this.weights.get(record.id);
    if (cached) return { record, weights: cached };
    const bytes = await this.checkpoints.readWeights(record.id);
    // Shared memory: every predict task sends these bytes to a thread without copying them.
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    this.weights.set(record.id, shared, shared.byteLength);
    return { record, weights: shared };
  }
}
