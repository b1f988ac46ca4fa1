// Builds the services buildApp depends on from a config: storage, the job store, the predict pool
// and inference, the ONNX export thread, metrics. The queue is passed in (server.ts picks embedded or BullMQ; tests may
// pass their own). `close` releases what this built, not the queue.

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { OnnxPool } from '../export/onnx-pool.js';
import { InferenceService } from '../inference/inference-service.js';
import { PredictPool } from '../inference/predict-pool.js';
import { openStorage } from '../storage/index.js';
import { JobStore } from '../storage/job-store.js';
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
  const metrics = createMetrics();
  registerJobMetrics(metrics, jobs);
  const pool = new PredictPool({ threads: config.predictThreads, queueLimit: config.predictQueueLimit, modelCacheEntries: config.modelCacheEntries, activationBudgetBytes: config.predictLimits.maxActivationBytes });
  const inference = new InferenceService(storage.checkpoints, pool, config.modelCacheBytes, {
    taskSeconds: (op, seconds) => metrics.inferenceDuration.observe({ op }, seconds),
    checkpointSkipped: (modelId, checkpointId, reason) => {
      metrics.checkpointSkips.inc({ reason: 'sha256_mismatch' });
      log?.warn({ modelId, checkpointId, reason }, 'skipped a corrupt checkpoint while resolving "latest"');
    },
  });
  const onnx = new OnnxPool();
  return { deps: { config, storage, jobs, metrics, inference, onnx }, close: async () => void (await Promise.all([pool.close(), onnx.close()])) };
}
