// Rate limits on the expensive routes (job submission; predict and evaluate), per client (API key, or
// IP) and minute, with @fastify/rate-limit. 429 RATE_LIMITED in the service's error shape with
// Retry-After. In distributed mode the counters live in Redis so the limit holds across API processes;
// when Redis is unreachable the limits fail open (logged), so the API keeps answering.

import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import type { Config } from '../../config.js';
import { clientKey } from '../client-key.js';

const WINDOW_MS = 60_000;
/** A Redis that hangs must not hold requests: past this the limiter lets the request through. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
const REDIS_STARTUP_WAIT_MS = 1_000;

type LimitsConfig = Pick<Config, 'rateLimits' | 'apiKeys' | 'redisUrl' | 'queuePrefix'>;

/** Which routes are limited, by which setting: the one place that says so. */
function limitedRoutes(config: LimitsConfig): Map<string, number> {
  const { jobsPerMinute, predictPerMinute } = config.rateLimits;
  const rules: [string, number][] = [
    ['POST /v1/jobs', jobsPerMinute],
    ['POST /v1/models/:id/predict', predictPerMinute],
    ['POST /v1/models/:id/evaluate', predictPerMinute],
    ['POST /v2/models/:model/infer', predictPerMinute],
    ['POST /v2/models/:model/versions/:version/infer', predictPerMinute],
  ];
  return new Map(rules.filter(([, perMinute]) => perMinute > 0));
}

/** Call inside the /v1 scope before its routes are registered (it hooks their registration). */
export async function registerRateLimits(scope: FastifyInstance, config: LimitsConfig): Promise<void> {
  const limits = limitedRoutes(config);
  if (limits.size === 0) return;
  // Runs before the plugin's own onRoute hook (registered below), so the plugin sees the config.
  scope.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      const max = limits.get(`${method} ${route.url}`);
      if (max !== undefined) route.config = { ...(route.config as object), rateLimit: { max, timeWindow: WINDOW_MS } };
    }
  });
  const keysConfigured = config.apiKeys.length > 0;
  await scope.register(rateLimit, {
    global: false,
    keyGenerator: (request) => clientKey(request, keysConfigured),
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new AppError(429, 'RATE_LIMITED', `rate limit of ${context.max} requests per minute reached; retry in ${retryAfter} s`, [], {
        'retry-after': String(retryAfter),
      });
    },
    ...(config.redisUrl ? await sharedRedisStore(scope, config.redisUrl, config.queuePrefix) : {}),
  });
}

type RedisStoreOptions = Awaited<ReturnType<typeof redisStore>>;
/** Per app (keyed by its HTTP server): /v1 and /v2 each register the limiter, over one connection. */
const storesByServer = new WeakMap<object, Promise<RedisStoreOptions>>();

function sharedRedisStore(scope: FastifyInstance, redisUrl: string, prefix: string): Promise<RedisStoreOptions> {
  let store = storesByServer.get(scope.server);
  if (!store) {
    store = redisStore(scope, redisUrl, prefix);
    storesByServer.set(scope.server, store);
  }
  return store;
}

async function redisStore(scope: FastifyInstance, redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false, // fail at once while disconnected instead of queueing the request
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
  });
  let reachable = true;
  redis.on('error', (err: Error) => {
    if (!reachable) return; // once per outage, not once per reconnect attempt
    reachable = false;
    scope.log.warn({ err: err.message }, 'rate-limit store (Redis) unreachable: rate limits are not enforced until it is back');
  });
  redis.on('ready', () => {
    if (reachable) return;
    reachable = true;
    scope.log.info('rate-limit store (Redis) reachable again: rate limits enforced');
  });
  scope.addHook('onClose', async () => redis.disconnect());
  // Give the connection a moment so the first requests are counted; a Redis that is down does not
  // stop the API from starting.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, REDIS_STARTUP_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // skipOnError: a failed Redis call lets the request through rather than failing it.
  return { redis, skipOnError: true, nameSpace: `${prefix}:ratelimit:` };
}
