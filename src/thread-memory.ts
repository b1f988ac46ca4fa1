// Memory per worker thread, for /metrics: each thread's V8 heap and its WebAssembly memory, which
// process-wide RSS hides. Threads report a snapshot with each answer they send (a job's end, a
// predict's result); the board keeps the latest per thread and forgets a thread when it exits.

import { wasmMemoryUsage } from './engine/index.js';

export interface ThreadMemory {
  /** V8 heap used by this thread's isolate. */
  heapUsedBytes: number;
  /** V8 heap this isolate holds from the system (used plus garbage not yet collected plus free pages). */
  heapTotalBytes: number;
  /** This thread's WebAssembly memory (the engine's buffers); it never shrinks. */
  wasmReservedBytes: number;
  /** The part of it in blocks the garbage collector has not yet handed back. */
  wasmLiveBytes: number;
}

/** A snapshot of the calling thread (in a worker, heapUsed is that worker's own isolate). */
export function readThreadMemory(): ThreadMemory {
  const wasm = wasmMemoryUsage();
  const { heapUsed, heapTotal } = process.memoryUsage();
  return { heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, wasmReservedBytes: wasm.reservedBytes, wasmLiveBytes: wasm.liveBytes };
}

export type ThreadPoolName = 'training' | 'predict';

/** The latest snapshot of every live thread, by pool. */
export class ThreadMemoryBoard {
  private readonly pools = new Map<ThreadPoolName, Map<number, ThreadMemory>>();

  report(pool: ThreadPoolName, threadId: number, memory: ThreadMemory): void {
    let threads = this.pools.get(pool);
    if (!threads) this.pools.set(pool, (threads = new Map()));
    threads.set(threadId, memory);
  }

  forget(pool: ThreadPoolName, threadId: number): void {
    this.pools.get(pool)?.delete(threadId);
  }

  /** Sums over a pool's threads, and how many threads reported. */
  total(pool: ThreadPoolName): ThreadMemory & { threads: number } {
    const sum = { heapUsedBytes: 0, heapTotalBytes: 0, wasmReservedBytes: 0, wasmLiveBytes: 0, threads: 0 };
    for (const memory of this.pools.get(pool)?.values() ?? []) {
      sum.heapUsedBytes += memory.heapUsedBytes;
      sum.heapTotalBytes += memory.heapTotalBytes;
      sum.wasmReservedBytes += memory.wasmReservedBytes;
      sum.wasmLiveBytes += memory.wasmLiveBytes;
      sum.threads++;
    }
    return sum;
  }
}

/** One board per process: threads and RSS are process-wide, like the default metrics. */
export const threadMemoryBoard = new ThreadMemoryBoard();
