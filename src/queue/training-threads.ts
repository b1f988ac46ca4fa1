// A fixed-size pool of long-lived training threads (embedded mode). Each runs one job at a time;
// a thread that dies is replaced and its job reported as crashed so the queue can retry or fail it.

import { Worker, type ResourceLimits } from 'node:worker_threads';
import { compiledFile } from '../compiled-path.js';
import { threadMemoryBoard } from '../thread-memory.js';
import type { JobOutcome, StopReason } from '../training/runtime.js';
import type { ThreadRequest, ThreadResponse, TrainingThreadData } from '../training/thread-protocol.js';
import type { JobEventInput } from './types.js';

export interface ThreadFailure {
  code: 'WORKER_CRASHED' | 'RESOURCE_EXHAUSTED' | 'PROCESSOR_ERROR';
  message: string;
}

export interface ThreadCallbacks {
  onEvent(event: JobEventInput): void;
  onDone(jobId: string, outcome: JobOutcome): void;
  onFailure(jobId: string, failure: ThreadFailure): void;
}

export class TrainingThreads {
  private readonly idle: Worker[] = [];
  private readonly jobOf = new Map<Worker, string>();
  private readonly file = compiledFile(import.meta.url, '../training/thread-main.js');

  constructor(
    private readonly size: number,
    private readonly data: TrainingThreadData,
    /** V8 old-generation heap per thread in MiB (0 = Node's default): a backstop, since typed arrays live outside it. */
    private readonly heapMb: number,
    private readonly callbacks: ThreadCallbacks,
  ) {}

  get free(): number {
    return this.size - this.jobOf.size;
  }

  get running(): string[] {
    return [...this.jobOf.values()];
  }

  run(jobId: string): void {
    if (this.free <= 0) throw new Error('no free training thread');
    const worker = this.idle.pop() ?? this.spawn();
    this.jobOf.set(worker, jobId);
    worker.postMessage({ type: 'run', jobId } satisfies ThreadRequest);
  }

  /** Returns false when the job does not run here. */
  stop(jobId: string, reason: StopReason): boolean {
    for (const [worker, running] of this.jobOf) {
      if (running === jobId) {
        worker.postMessage({ type: 'stop', jobId, reason } satisfies ThreadRequest);
        return true;
      }
    }
    return false;
  }

  /** Asks running jobs to checkpoint and stop, waits up to `graceMs`, then ends every thread. */
  async close(graceMs: number): Promise<void> {
    for (const jobId of this.running) this.stop(jobId, 'shutdown');
    const deadline = Date.now() + graceMs;
    while (this.jobOf.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    const workers = [...this.idle, ...this.jobOf.keys()];
    this.idle.length = 0;
    this.jobOf.clear(); // jobs cut off here stay `running` on disk and resume on the next start
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(this.file, { workerData: this.data, resourceLimits: threadResourceLimits(this.heapMb) });
    const threadId = worker.threadId; // reads -1 once the thread has exited
    let lastError: Error | null = null;
    worker.on('message', (message: ThreadResponse) => this.onMessage(worker, message));
    worker.on('error', (err) => (lastError = err));
    worker.on('exit', (code) => {
      threadMemoryBoard.forget('training', threadId);
      const jobId = this.jobOf.get(worker);
      this.jobOf.delete(worker);
      const idleAt = this.idle.indexOf(worker);
      if (idleAt >= 0) this.idle.splice(idleAt, 1);
      if (jobId === undefined) return;
      const outOfMemory = (lastError as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.callbacks.onFailure(jobId, {
        code: outOfMemory ? 'RESOURCE_EXHAUSTED' : 'WORKER_CRASHED',
        message: outOfMemory
          ? 'the training thread ran out of memory'
          : `the training thread exited (code ${code}): ${lastError?.message ?? 'no error reported'}`,
      });
    });
    return worker;
  }

  private onMessage(worker: Worker, message: ThreadResponse): void {
    if (message.type === 'event') {
      this.callbacks.onEvent(message.event);
      return;
    }
    this.jobOf.delete(worker);
    this.idle.push(worker);
    threadMemoryBoard.report('training', worker.threadId, message.memory);
    if (message.type === 'done') this.callbacks.onDone(message.jobId, message.outcome);
    else this.callbacks.onFailure(message.jobId, { code: 'PROCESSOR_ERROR', message: message.message });
  }
}

/** Worker-thread resource limits for a heap cap in MiB; none when 0. Shared with the BullMQ sandbox. */
export function threadResourceLimits(heapMb: number): ResourceLimits | undefined {
  return heapMb > 0 ? { maxOldGenerationSizeMb: heapMb } : undefined;
}
