// Predict and evaluate for a model: resolves the checkpoint selector (`latest`, `best`, a label or
// an id) from the serving index (no disk read), loads its weights once (sha256-verified, kept in an
// LRU keyed by checkpoint id), and runs predicts through the batcher (event loop or thread, see
// engine-runner.ts). A corrupt `latest` is skipped for the newest valid checkpoint and reported.
// The /v1 and /v2 routes share this: `resolve` for downloads and metadata, `predict` for inference.

import type { Evaluation, ModelSpec } from '../engine/index.js';
import { AppError, conflict, isAppError, notFound } from '../errors.js';
import type { CheckpointStore } from '../storage/checkpoint-store.js';
import type { CheckpointRecord, DatasetTensors, ModelRecord } from '../storage/types.js';
import { classify, nameClasses, type ClassValue } from './classify.js';
import { EngineRunner, type EngineRunnerOptions } from './engine-runner.js';
import { LruCache } from './lru-cache.js';
import { PredictBatcher, type BatchingOptions, type BatchScheduler } from './predict-batcher.js';
import type { PredictPool } from './predict-pool.js';
import type { ServingIndex } from './serving-index.js';

/** Hooks the API wires to its logger and metrics; inference knows nothing of either. */
export interface InferenceObserver {
  taskSeconds(op: 'predict' | 'evaluate', seconds: number): void;
  checkpointSkipped(modelId: string, checkpointId: string, reason: string): void;
  /** One engine call of `instances` instances for `requests` requests. */
  batch?(requests: number, instances: number): void;
}

export interface InferenceOptions extends EngineRunnerOptions {
  /** Verified weights kept in memory, by total bytes. */
  cacheBytes: number;
  batching: BatchingOptions;
  /** Tests inject one to decide when batches flush. */
  scheduler?: BatchScheduler;
}

/** A selector resolved: the model, its checkpoint and the checkpoint's verified safetensors bytes. */
export interface Resolved {
  model: ModelRecord;
  checkpoint: CheckpointRecord;
  /** Backed by a SharedArrayBuffer, so sending them to a thread copies nothing. */
  weights: Uint8Array;
}

export interface PredictRequest {
  modelId: string;
  /** `latest`, `best`, a label or a checkpoint id. */
  selector: string;
  /** `count` rows in the model's input order (flat, channels last), already validated. */
  inputs: Float32Array;
  count: number;
}

export interface Prediction extends Resolved {
  /** count x outputSize, row-major. */
  outputs: Float32Array;
  outputSize: number;
  outputActivation: string;
  /** Per row: argmax (softmax) or 0/1 per output (sigmoid); null for models that are not classifiers. */
  classes: ClassValue[] | null;
  /** Names of `classes` from the training dataset, when it named them. */
  classNames: string[] | null;
}

export class InferenceService {
  private readonly weights: LruCache<string, Uint8Array>;
  private readonly batcher: PredictBatcher;

  constructor(
    private readonly checkpoints: CheckpointStore,
    readonly index: ServingIndex,
    private readonly pool: PredictPool,
    private readonly observer: InferenceObserver,
    options: InferenceOptions,
  ) {
    this.weights = new LruCache(options.cacheBytes);
    const runner = new EngineRunner(pool, options);
    this.batcher = new PredictBatcher(
      async (call) => {
        const started = performance.now();
        const output = await runner.predict(call);
        this.observer.taskSeconds('predict', (performance.now() - started) / 1000);
        return output;
      },
      options.batching,
      options.scheduler,
      (requests, instances) => this.observer.batch?.(requests, instances),
    );
  }

  /** The model record (404 MODEL_NOT_FOUND), from memory: routes validate instances against its spec. */
  model(modelId: string): Promise<ModelRecord> {
    return this.index.model(modelId);
  }

  async predict(request: PredictRequest): Promise<Prediction> {
    const resolved = await this.resolve(request.modelId, request.selector);
    const { model, checkpoint, weights } = resolved;
    const output = await this.batcher.predict({
      checkpointId: checkpoint.id,
      spec: model.spec,
      flopsPerSample: model.summary.flopsPerSample,
      weights,
      inputs: request.inputs,
      count: request.count,
    });
    const classes = classify(output.outputs, output.outputSize, output.outputActivation);
    const classNames = classes ? nameClasses(classes, await this.index.classNames(checkpoint)) : null;
    return { ...resolved, ...output, classes, classNames };
  }

  async evaluate(modelId: string, selector: string, data: DatasetTensors, count: number): Promise<Evaluation & { checkpoint: CheckpointRecord }> {
    const { model, checkpoint, weights } = await this.resolve(modelId, selector);
    const started = performance.now();
    const result = await this.pool.evaluate({ checkpointId: checkpoint.id, spec: model.spec as ModelSpec, weights, count, ...data });
    this.observer.taskSeconds('evaluate', (performance.now() - started) / 1000);
    return { ...result, checkpoint };
  }

  /**
   * `latest` (newest valid), `best` (the `best` tag; the newest valid checkpoint when none carries it
   * yet), a label of the model, or a checkpoint id of the model (404 otherwise; 409 when corrupt).
   */
  async resolve(modelId: string, selector: string): Promise<Resolved> {
    const entry = await this.index.entry(modelId);
    const model = entry.model;
    if (!model) throw notFound('model', modelId);
    const labelled = entry.labels.get(selector);
    if (labelled) return this.load(model, await this.checkpointOf(model, labelled.checkpointId));
    if (selector !== 'latest' && selector !== 'best') return this.load(model, await this.checkpointOf(model, selector));
    const all = entry.checkpoints;
    if (all.length === 0) throw conflict('MODEL_NOT_TRAINED', `model ${model.id} has no checkpoint yet; train it or import weights`);
    const best = selector === 'best' ? all.find((r) => r.tags.includes('best')) : undefined;
    if (best) return this.load(model, best);
    let firstCorrupt: AppError | null = null;
    for (const record of all) {
      try {
        return await this.load(model, record);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'CHECKPOINT_CORRUPT') throw err;
        firstCorrupt ??= err;
        this.observer.checkpointSkipped(model.id, record.id, err.message);
      }
    }
    throw firstCorrupt as AppError;
  }

  /**
   * A checkpoint of the model by id, from the index; one the index has not heard of yet (written by
   * another process a moment ago) is looked up on disk, so an id a client was just given always works.
   */
  private async checkpointOf(model: ModelRecord, id: string): Promise<CheckpointRecord> {
    const entry = await this.index.entry(model.id);
    const known = entry.checkpoints.find((c) => c.id === id);
    if (known) return known;
    try {
      return await this.checkpoints.get(id, model.id);
    } catch (err) {
      if (isAppError(err) && err.code === 'CHECKPOINT_NOT_FOUND') {
        throw new AppError(404, 'CHECKPOINT_NOT_FOUND', `model ${model.id} has no checkpoint or label "${id}"`);
      }
      throw err;
    }
  }

  private async load(model: ModelRecord, checkpoint: CheckpointRecord): Promise<Resolved> {
    const cached = this.weights.get(checkpoint.id);
    if (cached) return { model, checkpoint, weights: cached };
    const bytes = await this.checkpoints.readWeights(checkpoint.id);
    // Shared memory: every predict task sends these bytes to a thread without copying them.
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    this.weights.set(checkpoint.id, shared, shared.byteLength);
    return { model, checkpoint, weights: shared };
  }
}
