// Liveness and readiness. /readyz checks that DATA_DIR takes an atomic write and that the queue
// backend answers (Redis in distributed mode); a failing check is a 503 naming it.

import type { FastifyInstance } from 'fastify';
import { serviceUnavailable, type ErrorDetail } from '../../../errors.js';
import type { AppDeps, RouteOptions } from '../../deps.js';

const CHECK_TIMEOUT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async () => {
    const failed = await failedReadinessChecks(deps);
    if (failed.length > 0) {
      const error = serviceUnavailable('NOT_READY', `not ready: ${failed.map((f) => f.path.slice(8)).join(', ')} failing`);
      error.details.push(...failed);
      throw error;
    }
    return { status: 'ready', checks: { storage: 'ok', queue: 'ok' } };
  });
}

/** The readiness checks that fail (none when ready); `/v2/health/ready` asks the same ones. */
export async function failedReadinessChecks(deps: AppDeps): Promise<ErrorDetail[]> {
  const checks = { storage: () => deps.storage.checkWritable(), queue: () => deps.queue.ping() };
  const failed: ErrorDetail[] = [];
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
      } catch (err) {
        failed.push({ path: `/checks/${name}`, message: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return failed;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
