// Messages between the predict pool (main thread) and predict-worker.ts. Engine errors cannot cross a
// thread boundary as instances (structured clone keeps only message and stack), so the worker
// returns them as plain data and the pool rebuilds the EngineError.

import type { ThreadMemory } from '../thread-memory.js';
import type { ErrorDetail, EngineErrorCode, Evaluation, ModelSpec } from '../engine/index.js';

interface ModelRef {
  /** Checkpoint id: the worker's model cache key (checkpoint weights never change). */
  checkpointId: string;
  spec: ModelSpec;
  /** Verified safetensors bytes, backed by a SharedArrayBuffer so sending them copies nothing. */
  weights: Uint8Array;
}

export interface PredictTask extends ModelRef {
  op: 'predict';
  inputs: Float32Array;
  count: number;
}

export interface EvaluateTask extends ModelRef {
  op: 'evaluate';
  inputs: Float32Array;
  count: number;
  labels: Int32Array | null;
  targets: Float32Array | null;
}

export type InferenceTask = PredictTask | EvaluateTask;

export interface PredictOutput {
  outputs: Float32Array;
  outputSize: number;
  outputActivation: string;
}

/** Every answer carries the thread's id and memory afterwards (for /metrics). */
export type TaskResult = { thread: { id: number; memory: ThreadMemory } } & (
  | { ok: true; op: 'predict'; value: PredictOutput }
  | { ok: true; op: 'evaluate'; value: Evaluation }
  | { ok: false; error: { code: EngineErrorCode | 'INTERNAL'; message: string; details: ErrorDetail[] } });
