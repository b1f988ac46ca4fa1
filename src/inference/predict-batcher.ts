// Dynamic batching: concurrent predicts for the same checkpoint become one engine call. A request
// waits for the next turn of the event loop (so every request that arrived in the same turn joins it),
// or, while an earlier batch of its checkpoint is still running in a thread, until that batch ends,
// but never longer than `maxWaitMs`; a batch never exceeds `maxInstances` (a larger request runs
// alone). Requests arrive here validated, so one client's bad instance never fails another's batch.

import type { EngineCall } from './engine-runner.js';
import type { PredictOutput } from './tasks.js';

export interface BatchingOptions {
  enabled: boolean;
  maxInstances: number;
  maxWaitMs: number;
}

/** How the batcher waits; tests inject their own to decide when each flush happens. */
export interface BatchScheduler {
  /** Runs `fn` on the next turn of the event loop; returns a cancel. */
  soon(fn: () => void): () => void;
  /** Runs `fn` after `ms`; returns a cancel. */
  after(ms: number, fn: () => void): () => void;
}

export const realScheduler: BatchScheduler = {
  soon(fn) {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  },
  after(ms, fn) {
    if (ms <= 0) return realScheduler.soon(fn);
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

interface Waiting {
  inputs: Float32Array;
  count: number;
  resolve(output: PredictOutput): void;
  reject(err: unknown): void;
}

interface CheckpointQueue {
  call: Omit<EngineCall, 'inputs' | 'count'>;
  waiting: Waiting[];
  instances: number;
  inFlight: number;
  cancelFlush: (() => void) | null;
}

export type RunEngine = (call: EngineCall) => Promise<PredictOutput>;

export class PredictBatcher {
  private readonly queues = new Map<string, CheckpointQueue>();

  constructor(
    private readonly run: RunEngine,
    private readonly options: BatchingOptions,
    private readonly scheduler: BatchScheduler = realScheduler,
    /** Told the size of every engine call it makes (requests, instances): metrics. */
    private readonly onBatch: (requests: number, instances: number) => void = () => undefined,
  ) {}

  predict(call: EngineCall): Promise<PredictOutput> {
    if (!this.options.enabled || call.count >= this.options.maxInstances) {
      this.onBatch(1, call.count);
      return this.run(call);
    }
    const queue = this.queueFor(call);
    if (queue.instances + call.count > this.options.maxInstances) this.flush(queue);
    const result = new Promise<PredictOutput>((resolve, reject) => {
      queue.waiting.push({ inputs: call.inputs, count: call.count, resolve, reject });
    });
    queue.instances += call.count;
    if (queue.instances >= this.options.maxInstances) this.flush(queue);
    else if (!queue.cancelFlush) {
      const flush = () => this.flush(queue);
      queue.cancelFlush = queue.inFlight === 0 ? this.scheduler.soon(flush) : this.scheduler.after(this.options.maxWaitMs, flush);
    }
    return result;
  }

  private queueFor(call: EngineCall): CheckpointQueue {
    let queue = this.queues.get(call.checkpointId);
    if (!queue) {
      const { inputs: _inputs, count: _count, ...rest } = call;
      queue = { call: rest, waiting: [], instances: 0, inFlight: 0, cancelFlush: null };
      this.queues.set(call.checkpointId, queue);
    }
    return queue;
  }

  private flush(queue: CheckpointQueue): void {
    queue.cancelFlush?.();
    queue.cancelFlush = null;
    const batch = queue.waiting;
    const count = queue.instances;
    if (batch.length === 0) return;
    queue.waiting = [];
    queue.instances = 0;
    queue.inFlight++;
    this.onBatch(batch.length, count);
    void this.runBatch(queue, batch, count).finally(() => {
      queue.inFlight--;
      // Requests that waited for this batch to end go now; an idle queue is forgotten.
      if (queue.waiting.length > 0) this.flush(queue);
      else if (queue.inFlight === 0 && this.queues.get(queue.call.checkpointId) === queue) this.queues.delete(queue.call.checkpointId);
    });
  }

  private async runBatch(queue: CheckpointQueue, batch: Waiting[], count: number): Promise<void> {
    try {
      const inputs = batch.length === 1 ? batch[0].inputs : concat(batch, count);
      const output = await this.run({ ...queue.call, inputs, count });
      let row = 0;
      for (const request of batch) {
        const outputs = output.outputs.subarray(row * output.outputSize, (row + request.count) * output.outputSize);
        request.resolve({ ...output, outputs });
        row += request.count;
      }
    } catch (err) {
      for (const request of batch) request.reject(err);
    }
  }
}

function concat(batch: Waiting[], count: number): Float32Array {
  const width = batch[0].inputs.length / batch[0].count;
  const inputs = new Float32Array(count * width);
  let offset = 0;
  for (const request of batch) {
    inputs.set(request.inputs, offset);
    offset += request.inputs.length;
  }
  return inputs;
}
