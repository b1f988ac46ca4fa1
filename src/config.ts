// Environment -> typed configuration, parsed and validated once at start-up with zod. A bad value
// throws a ConfigError naming the variable; process-lifecycle.ts prints it and exits. Add new fields to `schema`.

import { availableParallelism } from 'node:os';
import { z } from 'zod';

const MiB = 1024 * 1024;

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const defaultPredictThreads = Math.max(1, Math.min(4, availableParallelism() - 1));

/** NN_KERNEL: what src/native/select-kernel.ts may pick. */
import { KERNEL_CHOICES, type KernelChoice } from './native/kernel-choice.js';

export { KERNEL_CHOICES, type KernelChoice };

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Default depends on the mode: 127.0.0.1 embedded, 0.0.0.0 distributed (containers). */
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  API_KEYS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0)),
  ALLOW_ANONYMOUS: bool(false),
  /** The engine's kernel (src/native/select-kernel.ts); threads read it from the inherited environment. */
  NN_KERNEL: z.enum(KERNEL_CHOICES).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON bodies of every route except dataset uploads. */
  BODY_LIMIT_BYTES: int(1024, 16 * MiB),
  /** Dataset uploads (JSON, CSV, NPY): big enough for MNIST's 60000x784 float32 inputs. */
  DATASET_BODY_LIMIT_BYTES: int(1024, 256 * MiB),
  PREDICT_MAX_INSTANCES: int(1, 1024),
  /** Activations one predict or evaluate task may hold in its thread: the engine's chunks are sized to fit. */
  PREDICT_MAX_ACTIVATION_BYTES: int(1, 128 * MiB),
  /** Inputs plus outputs of one predict request (instances x (input + output values) x 4 bytes); more: 413. */
  PREDICT_MAX_BATCH_BYTES: int(1024, 64 * MiB),
  PREDICT_THREADS: int(1, defaultPredictThreads),
  /** Tasks waiting for a predict thread before requests get 503 + Retry-After. */
  PREDICT_QUEUE_LIMIT: int(1, 64),
  /** Verified checkpoint weights kept in memory, by total bytes. */
  MODEL_CACHE_BYTES: int(0, 256 * MiB),
  /** Built models kept per predict thread (and on the event loop's side). */
  MODEL_CACHE_ENTRIES: int(1, 8),
  // Serving (README "Serving"; the defaults' measurements are in docs/benchmarks.md).
  /** Coalesce concurrent predicts of one checkpoint into one engine call. */
  PREDICT_BATCHING: bool(true),
  /** Most instances in one batched engine call (a larger request runs alone). */
  PREDICT_BATCH_MAX_INSTANCES: int(1, 64),
  /** Longest a request waits for a batch of its checkpoint that is still running (0: the next event-loop turn). */
  PREDICT_BATCH_MAX_WAIT_MS: int(0, 2),
  /** Engine calls up to this many FLOPs run on the event loop; larger ones in the predict threads (0: always threads). */
  PREDICT_INLINE_MAX_FLOPS: int(0, 4_000_000),
  /** Distributed mode with Redis unreachable: the serving index re-reads records older than this. */
  SERVING_STALE_MS: int(0, 1000),
  MAX_MODEL_PARAMS: int(1, 20_000_000),
  MAX_ACTIVATION_BYTES_PER_SAMPLE: int(1, 64 * MiB),
  WORKER_CONCURRENCY: int(1, 1),
  /** Runs of a training job (crashes, lost workers, transient errors) before it fails for good. */
  JOB_MAX_ATTEMPTS: int(1, 3),
  /** BullMQ queue name and key prefix (distributed mode); API and workers must agree. */
  QUEUE_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only').default('training'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only').default('nn'),
  /** Wall-clock limit of a training job from its first start (0 = none); over it, the job fails with TIMEOUT. */
  JOB_TIME_LIMIT_MS: int(0, 0),
  /** Activation memory of one training batch (batchSize x per-sample bytes); a larger job fails with LIMIT_EXCEEDED before it allocates. */
  JOB_MAX_ACTIVATION_BYTES: int(1, 1024 * MiB),
  /** Comment lines that keep idle SSE streams (GET /v1/jobs/:id/events) open through proxies. */
  SSE_HEARTBEAT_MS: int(100, 15_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 30_000),
  /** BullMQ job lock (renewed at half of it) and stalled-job check interval: how soon a killed worker's job moves on. */
  JOB_LOCK_MS: int(1000, 30_000),
  /** V8 old-generation heap of each training thread (0 = Node's default); a thread over it dies and its job fails RESOURCE_EXHAUSTED. */
  TRAINING_THREAD_MAX_OLD_GEN_MB: int(0, 0),
  /** Nice value of training threads (Linux): predictions get the cores first on a busy host (0 = same priority as the API). */
  TRAINING_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Checkpoints a job keeps besides its best, final and diverged ones (0 = keep all). */
  CHECKPOINT_RETENTION_LAST: int(0, 3),
  /** Largest `epochs` a job may ask for (422 LIMIT_EXCEEDED naming /epochs). */
  MAX_EPOCHS: int(1, 100_000),
  /** Most trials one sweep may have (a larger grid or `trials` is 422 LIMIT_EXCEEDED naming the field). */
  MAX_SWEEP_TRIALS: int(1, 256),
  /** Per client (API key, else IP) and minute: job submissions, and predict/evaluate calls (0 = unlimited). */
  RATE_LIMIT_JOBS_PER_MINUTE: int(0, 120),
  RATE_LIMIT_PREDICT_PER_MINUTE: int(0, 6000),
  /** Queued + running jobs one client may have (0 = unlimited); more is 429 JOB_LIMIT. */
  MAX_ACTIVE_JOBS_PER_CLIENT: int(0, 20),
  /** Mean event-loop delay over a 1 s sample above which requests get 503 OVERLOADED (0 = never). */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: int(0, 1000),
  /** Origins allowed to call the API from a browser, comma-separated (unset: no CORS headers at all). */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'each origin is scheme://host[:port], or *'))),
  /** Behind a reverse proxy: true, or the proxies' addresses/CIDRs (fastify trustProxy); request.ip, and so rate limits, then follow X-Forwarded-For. */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v): boolean | string[] => {
      if (v === undefined || v === 'false') return false;
      if (v === 'true') return true;
      return v.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
    }),
});

export type RawConfig = z.output<typeof schema>;

export interface Config {
  mode: 'embedded' | 'distributed';
  port: number;
  host: string;
  dataDir: string;
  redisUrl: string | null;
  apiKeys: string[];
  allowAnonymous: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  kernel: KernelChoice;
  bodyLimitBytes: number;
  datasetBodyLimitBytes: number;
  predictMaxInstances: number;
  predictLimits: { maxActivationBytes: number; maxBatchBytes: number };
  predictThreads: number;
  predictQueueLimit: number;
  modelCacheBytes: number;
  modelCacheEntries: number;
  predictBatching: { enabled: boolean; maxInstances: number; maxWaitMs: number };
  predictInlineMaxFlops: number;
  servingStaleMs: number;
  engineLimits: { maxParams: number; maxActivationBytesPerSample: number };
  workerConcurrency: number;
  jobMaxAttempts: number;
  queueName: string;
  queuePrefix: string;
  sseHeartbeatMs: number;
  jobLimits: { timeLimitMs: number; maxActivationBytes: number };
  shutdownTimeoutMs: number;
  jobLockMs: number;
  trainingThreadMaxOldGenMb: number;
  trainingThreadNice: number;
  checkpointRetentionLast: number;
  maxEpochs: number;
  maxSweepTrials: number;
  /** Requests per client and minute; 0 = unlimited. */
  rateLimits: { jobsPerMinute: number; predictPerMinute: number };
  maxActiveJobsPerClient: number;
  overloadMaxEventLoopDelayMs: number;
  corsOrigins: string[];
  trustProxy: boolean | string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const raw = parsed.data;
  const mode = raw.REDIS_URL ? 'distributed' : 'embedded';
  return {
    mode,
    port: raw.PORT,
    host: raw.HOST ?? (mode === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    dataDir: raw.DATA_DIR,
    redisUrl: raw.REDIS_URL ?? null,
    apiKeys: raw.API_KEYS,
    allowAnonymous: raw.ALLOW_ANONYMOUS,
    logLevel: raw.LOG_LEVEL,
    kernel: raw.NN_KERNEL,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    datasetBodyLimitBytes: raw.DATASET_BODY_LIMIT_BYTES,
    predictMaxInstances: raw.PREDICT_MAX_INSTANCES,
    predictLimits: { maxActivationBytes: raw.PREDICT_MAX_ACTIVATION_BYTES, maxBatchBytes: raw.PREDICT_MAX_BATCH_BYTES },
    predictThreads: raw.PREDICT_THREADS,
    predictQueueLimit: raw.PREDICT_QUEUE_LIMIT,
    modelCacheBytes: raw.MODEL_CACHE_BYTES,
    modelCacheEntries: raw.MODEL_CACHE_ENTRIES,
    predictBatching: { enabled: raw.PREDICT_BATCHING, maxInstances: raw.PREDICT_BATCH_MAX_INSTANCES, maxWaitMs: raw.PREDICT_BATCH_MAX_WAIT_MS },
    predictInlineMaxFlops: raw.PREDICT_INLINE_MAX_FLOPS,
    servingStaleMs: raw.SERVING_STALE_MS,
    engineLimits: { maxParams: raw.MAX_MODEL_PARAMS, maxActivationBytesPerSample: raw.MAX_ACTIVATION_BYTES_PER_SAMPLE },
    workerConcurrency: raw.WORKER_CONCURRENCY,
    jobMaxAttempts: raw.JOB_MAX_ATTEMPTS,
    queueName: raw.QUEUE_NAME,
    queuePrefix: raw.QUEUE_PREFIX,
    sseHeartbeatMs: raw.SSE_HEARTBEAT_MS,
    jobLimits: { timeLimitMs: raw.JOB_TIME_LIMIT_MS, maxActivationBytes: raw.JOB_MAX_ACTIVATION_BYTES },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    jobLockMs: raw.JOB_LOCK_MS,
    trainingThreadMaxOldGenMb: raw.TRAINING_THREAD_MAX_OLD_GEN_MB,
    trainingThreadNice: raw.TRAINING_THREAD_NICE,
    checkpointRetentionLast: raw.CHECKPOINT_RETENTION_LAST,
    maxEpochs: raw.MAX_EPOCHS,
    maxSweepTrials: raw.MAX_SWEEP_TRIALS,
    rateLimits: { jobsPerMinute: raw.RATE_LIMIT_JOBS_PER_MINUTE, predictPerMinute: raw.RATE_LIMIT_PREDICT_PER_MINUTE },
    maxActiveJobsPerClient: raw.MAX_ACTIVE_JOBS_PER_CLIENT,
    overloadMaxEventLoopDelayMs: raw.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    corsOrigins: raw.CORS_ORIGINS,
    trustProxy: raw.TRUST_PROXY,
  };
}

/** `FOO=` in a shell or compose file means "unset", not "the empty string". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/**
 * The API process refuses to serve a distributed deployment anonymously unless told to. Not part of
 * loadConfig: worker processes serve no HTTP and need no keys.
 */
export function assertApiAccessConfigured(config: Config): void {
  if (config.mode === 'distributed' && config.apiKeys.length === 0 && !config.allowAnonymous) {
    throw new ConfigError('invalid configuration: API_KEYS: required in distributed mode (REDIS_URL set) unless ALLOW_ANONYMOUS=true');
  }
}
