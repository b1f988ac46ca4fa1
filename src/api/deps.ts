// What buildApp needs, built once by server.ts (services.ts) or by a test: every route plugin gets
// these services and reads what it needs from them.

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { OnnxPool } from '../export/onnx-pool.js';
import type { InferenceService } from '../inference/inference-service.js';
import type { TrainingQueue } from '../queue/types.js';
import type { Storage } from '../storage/index.js';
import type { JobStore } from '../storage/job-store.js';
import type { SweepStore } from '../storage/sweep-store.js';
import type { Metrics } from './metrics.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  queue: TrainingQueue;
  /** Job records; datasets and models ask it `isInUse` before a DELETE. */
  jobs: JobStore;
  /** Sweep records; their trials are ordinary jobs in `jobs`. */
  sweeps: SweepStore;
  inference: InferenceService;
  /** ONNX exports, in a thread of their own. */
  onnx: OnnxPool;
  metrics: Metrics;
  /** The process's pino logger; none (silent) in tests. */
  logger?: FastifyBaseLogger;
  /** Mean event-loop delay in ms for load shedding; default: @fastify/under-pressure's measurement. Tests inject it. */
  eventLoopDelayMs?: () => number;
}

/** Options every route plugin of the service receives. */
export interface RouteOptions {
  deps: AppDeps;
}
