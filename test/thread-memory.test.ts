// The thread memory board behind `thread_memory_bytes`: the latest snapshot per thread counts once,
// pools are summed apart, and a thread that exited stops counting.

import { describe, expect, it } from 'vitest';
import { readThreadMemory, ThreadMemoryBoard } from '../src/thread-memory.js';

const memory = (mib: number) => ({ heapUsedBytes: mib, heapTotalBytes: 2 * mib, wasmReservedBytes: 3 * mib, wasmLiveBytes: mib });

describe('ThreadMemoryBoard', () => {
  it('sums the latest snapshot of each thread per pool and forgets exited threads', () => {
    const board = new ThreadMemoryBoard();
    board.report('training', 1, memory(10));
    board.report('training', 1, memory(20)); // a newer answer from the same thread replaces the old one
    board.report('training', 2, memory(5));
    board.report('predict', 3, memory(7));
    expect(board.total('training')).toEqual({ heapUsedBytes: 25, heapTotalBytes: 50, wasmReservedBytes: 75, wasmLiveBytes: 25, threads: 2 });
    board.forget('training', 1);
    expect(board.total('training')).toMatchObject({ heapUsedBytes: 5, threads: 1 });
    expect(board.total('predict')).toMatchObject({ heapUsedBytes: 7, threads: 1 });
  });

  it('reads this thread: a heap that is used, and no more WebAssembly in use than reserved', () => {
    const now = readThreadMemory();
    expect(now.heapUsedBytes).toBeGreaterThan(0);
    expect(now.heapTotalBytes).toBeGreaterThanOrEqual(now.heapUsedBytes);
    expect(now.wasmLiveBytes).toBeLessThanOrEqual(now.wasmReservedBytes);
  });
});
