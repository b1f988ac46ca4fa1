// Builds the services buildApp depends on from a config: storage, the job store, the predict pool
// and inference, the ONNX export thread, metrics. The queue is passed in (server.ts picks embedded or BullMQ; tests may
// pass their own). `close` releases what this built, not the queue.

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { OnnxPool } from '../export/onnx-pool.js';
import { InferenceService } from '../inference/inference-service.js';
import { PredictPool } from '../inference/predict-pool.js';
import { startChangeRelay, type ChangeRelay } from '../inference/redis-change-relay.js';
import { ServingIndex } from '../inference/serving-index.js';
import { openStorage } from '../storage/index.js';
import { JobStore } from '../storage/job-store.js';
import { SweepStore } from '../storage/sweep-store.js';
import type { AppDeps } from './deps.js';
import { createMetrics, registerJobMetrics } from './metrics.js';

export interface Services {
  deps: Omit<AppDeps, 'queue'>;
  close(): Promise<void>;
}

export async function createServices(config: Config, log?: Pick<FastifyBaseLogger, 'warn'>): Promise<Services> {
  const storage = await openStorage(config.dataDir);
  const jobs = new JobStore(config.dataDir);
  await jobs.init();
  const sweeps = new SweepStore(config.dataDir);
  await sweeps.init();
  const metrics = createMetrics();
  registerJobMetrics(metrics, jobs);
  const pool = new PredictPool({ threads: config.predictThreads, queueLimit: config.predictQueueLimit, modelCacheEntries: config.modelCacheEntries, activationBudgetBytes: config.predictLimits.maxActivationBytes });
  // Serving reads models, checkpoints and labels from memory, kept current by the stores' change feed
  // (and, distributed, by the other processes' changes through Redis).
  let relay: ChangeRelay | null = null;
  const index = new ServingIndex(storage, jobs, { staleAfterMs: config.servingStaleMs, feedLive: () => relay?.live() ?? true });
  if (config.redisUrl) relay = startChangeRelay({ redisUrl: config.redisUrl, prefix: config.queuePrefix, feed: storage.changes, onResync: () => index.invalidateAll() });
  const inference = new InferenceService(storage.checkpoints, index, pool, {
    taskSeconds: (op, seconds) => metrics.inferenceDuration.observe({ op }, seconds),
    checkpointSkipped: (modelId, checkpointId, reason) => {
      metrics.checkpointSkips.inc({ reason: 'sha256_mismatch' });
      log?.warn({ modelId, checkpointId, reason }, 'skipped a corrupt checkpoint while resolving "latest"');
    },
    batch: (_requests, instances) => metrics.predictBatchInstances.observe(instances),
  }, {
    cacheBytes: config.modelCacheBytes,
    batching: config.predictBatching,
    inlineMaxFlops: config.predictInlineMaxFlops,
    modelCacheEntries: config.modelCacheEntries,
  });
  const onnx = new OnnxPool();
  const close = async () => {
    await Promise.all([pool.close(), onnx.close(), relay?.close()]);
    index.close();
    storage.changes.close();
  };
  return { deps: { config, storage, jobs, sweeps, metrics, inference, onnx }, close };
}
