// ONNX exports in a thread of their own (piscina), so rebuilding and encoding a large model (seconds
// at the 20M-parameter cap) never holds the API's event loop, where predicts wait. One export runs
// at a time; the thread starts on demand and ends when idle; a full queue is 503 OVERLOADED.

import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { compiledFile } from '../compiled-path.js';
import { EngineError, type EngineErrorCode, type ErrorDetail } from '../engine/index.js';
import { serviceUnavailable } from '../errors.js';
import type { OnnxOptions } from './onnx.js';

export interface OnnxTask {
  spec: unknown;
  /** Verified safetensors bytes; backed by a SharedArrayBuffer (the weights cache), sending them copies nothing. */
  weights: Uint8Array;
  options: OnnxOptions;
}

/** The file's bytes, or the error that stopped the export. */
export type OnnxTaskResult = Uint8Array | { error: { code: EngineErrorCode | 'INTERNAL'; message: string; details: ErrorDetail[] } };

/** Exports waiting for the thread before 503: each may hold a model's weights several times over. */
const QUEUE_LIMIT = 8;

export class OnnxPool {
  private pool: Piscina | null = null;

  async export(task: OnnxTask): Promise<Uint8Array> {
    const pool = this.started();
    if (pool.queueSize >= QUEUE_LIMIT) throw overloaded();
    let result: OnnxTaskResult;
    try {
      result = (await pool.run(task)) as OnnxTaskResult;
    } catch (err) {
      if (err instanceof Error && /queue is at limit/i.test(err.message)) throw overloaded();
      throw err;
    }
    if (result instanceof Uint8Array) return result;
    if (result.error.code === 'INTERNAL') throw new Error(`onnx export thread: ${result.error.message}`);
    throw new EngineError(result.error.code, result.error.message, result.error.details);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  private started(): Piscina {
    this.pool ??= new Piscina({
      filename: pathToFileURL(compiledFile(import.meta.url, './onnx-thread.js')).href,
      minThreads: 0,
      maxThreads: 1,
      maxQueue: QUEUE_LIMIT,
      idleTimeout: 30_000,
    });
    return this.pool;
  }
}

const overloaded = () => serviceUnavailable('OVERLOADED', 'too many ONNX exports in flight; retry shortly', 5);
