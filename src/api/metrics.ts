// The service's Prometheus metrics, on a registry per app (tests build many apps in one process).
// Job metrics are computed at scrape time from the job records, which every process shares, so
// they are right in both modes. Other modules may add their own metrics to `registry`.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATES } from '../storage/job-record.js';
import type { JobStore } from '../storage/job-store.js';
import { readThreadMemory, threadMemoryBoard } from '../thread-memory.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  inferenceDuration: Histogram<'op'>;
  checkpointSkips: Counter<'reason'>;
  /** Instances per engine call of predict: how much dynamic batching coalesces. */
  predictBatchInstances: Histogram;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  registerThreadMemory(registry);
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inferenceDuration: new Histogram({
      name: 'inference_duration_seconds',
      help: 'Time a predict or evaluate task spends in the predict pool',
      labelNames: ['op'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    checkpointSkips: new Counter({
      name: 'checkpoint_corrupt_skipped_total',
      help: 'Corrupt checkpoints skipped while resolving "latest" for predict or evaluate',
      labelNames: ['reason'],
      registers: [registry],
    }),
    predictBatchInstances: new Histogram({
      name: 'predict_batch_instances',
      help: 'Instances per engine call of predict (concurrent requests are batched together)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    }),
  };
}

/** `training_jobs{state}` and `training_samples_per_second` (summed over running jobs), read from the job store. */
export function registerJobMetrics(metrics: Metrics, jobs: JobStore): void {
  new Gauge({
    name: 'training_jobs',
    help: 'Training jobs by state',
    labelNames: ['state'],
    registers: [metrics.registry],
    async collect() {
      // Counted while scanning: holding every record at once made each scrape's memory grow with the job count.
      const counts = await jobs.countByState();
      for (const state of JOB_STATES) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  new Gauge({
    name: 'training_samples_per_second',
    help: 'Training throughput summed over running jobs',
    registers: [metrics.registry],
    async collect() {
      const running = (await jobs.unfinished()).filter((job) => job.state === 'running');
      this.set(running.reduce((sum, job) => sum + (job.progress.samplesPerSecond ?? 0), 0));
    },
  });
}

/**
 * `thread_memory_bytes{pool,kind}`: V8 heap and WebAssembly memory summed over each pool's threads
 * (the main thread as pool "main": it runs small predicts inline). RSS is one figure for the whole
 * process; this says which threads hold it. Worker figures are as of each thread's latest answer.
 */
function registerThreadMemory(registry: Registry): void {
  new Gauge({
    name: 'thread_memory_bytes',
    help: 'V8 heap (used, total) and WebAssembly memory (reserved, live) by thread pool, as of each thread\'s latest answer',
    labelNames: ['pool', 'kind'],
    registers: [registry],
    collect() {
      const pools = { main: readThreadMemory(), training: threadMemoryBoard.total('training'), predict: threadMemoryBoard.total('predict') };
      for (const [pool, memory] of Object.entries(pools)) {
        this.set({ pool, kind: 'heap_used' }, memory.heapUsedBytes);
        this.set({ pool, kind: 'heap_total' }, memory.heapTotalBytes);
        this.set({ pool, kind: 'wasm_reserved' }, memory.wasmReservedBytes);
        this.set({ pool, kind: 'wasm_live' }, memory.wasmLiveBytes);
      }
    },
  });
}
