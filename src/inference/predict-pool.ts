// The worker-thread pool (piscina) that runs predict and evaluate, so a large batch never blocks the
// API's event loop. Threads start on first use; a full queue answers 503 OVERLOADED with Retry-After.

import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { EngineError, type Evaluation } from '../engine/index.js';
import { serviceUnavailable } from '../errors.js';
import { compiledFile } from '../compiled-path.js';
import { threadMemoryBoard } from '../thread-memory.js';
import type { EvaluateTask, InferenceTask, PredictOutput, PredictTask, TaskResult } from './tasks.js';

export interface PredictPoolOptions {
  threads: number;
  queueLimit: number;
  modelCacheEntries: number;
  /** PREDICT_MAX_ACTIVATION_BYTES: each task's activation budget; chunks are sized from it. */
  activationBudgetBytes?: number;
}

export class PredictPool {
  private pool: Piscina | null = null;

  constructor(private readonly options: PredictPoolOptions) {}

  predict(task: Omit<PredictTask, 'op'>): Promise<PredictOutput> {
    return this.run({ ...task, op: 'predict' }) as Promise<PredictOutput>;
  }

  evaluate(task: Omit<EvaluateTask, 'op'>): Promise<Evaluation> {
    return this.run({ ...task, op: 'evaluate' }) as Promise<Evaluation>;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  private async run(task: InferenceTask): Promise<PredictOutput | Evaluation> {
    const pool = this.started();
    if (pool.queueSize >= this.options.queueLimit) throw overloaded();
    // Inputs are built per request, so their buffers can move to the thread instead of being copied.
    const transferList = [task.inputs.buffer, ...(task.op === 'evaluate' ? [task.labels?.buffer, task.targets?.buffer] : [])]
      .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    let result: TaskResult;
    try {
      result = (await pool.run(task, { transferList })) as TaskResult;
    } catch (err) {
      if (err instanceof Error && /queue is at limit/i.test(err.message)) throw overloaded();
      throw err;
    }
    threadMemoryBoard.report('predict', result.thread.id, result.thread.memory);
    if (result.ok) return result.value;
    if (result.error.code === 'INTERNAL') throw new Error(`predict worker: ${result.error.message}`);
    throw new EngineError(result.error.code, result.error.message, result.error.details);
  }

  private started(): Piscina {
    this.pool ??= new Piscina({
      filename: pathToFileURL(compiledFile(import.meta.url, './predict-worker.js')).href,
      minThreads: 1,
      maxThreads: this.options.threads,
      maxQueue: this.options.queueLimit,
      idleTimeout: 60_000,
      workerData: { modelCacheEntries: this.options.modelCacheEntries, activationBudgetBytes: this.options.activationBudgetBytes },
    });
    // A thread ended by idleTimeout must not keep counting in /metrics (piscina announces it while
    // the thread is still terminating, so its id is still the real one).
    this.pool.on('workerDestroy', (worker: { id: number }) => threadMemoryBoard.forget('predict', worker.id));
    return this.pool;
  }
}

const overloaded = () => serviceUnavailable('OVERLOADED', 'too many predict and evaluate requests in flight; retry shortly', 1);
