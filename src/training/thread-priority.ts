// Training threads run at a lower OS scheduling priority (a higher nice value) than the event loop
// and the predict threads. On a busy host the scheduler then gives predictions (latency-bound, the
// service's main path) the cores first, and training (throughput-bound) everything left over; on an
// idle host training still gets whole cores, since nice only matters when threads compete.
// Measured in docs/benchmarks.md (bench:serve phase (d): predict while a job trains).

import { getPriority, setPriority } from 'node:os';

/**
 * Sets the calling thread's nice value to `nice`, never lowering it (a process started under `nice 15`
 * stays at 15; only privileged processes may lower nice). Linux only: there nice is per thread and
 * setpriority(PRIO_PROCESS, 0) means the calling thread; elsewhere it would re-nice the whole process,
 * API included, so it does nothing. Returns the nice value in force, or null where it did nothing.
 */
export function lowerThisThreadPriority(nice: number): number | null {
  if (process.platform !== 'linux' || nice <= 0) return null;
  try {
    const current = getPriority(0);
    if (current < nice) setPriority(0, nice);
    return getPriority(0);
  } catch {
    return null; // a sandbox refusing setpriority: training runs at normal priority
  }
}
