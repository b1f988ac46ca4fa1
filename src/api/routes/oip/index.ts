// The Open Inference Protocol (KServe V2) REST routes under /v2, for clients and gateways built for
// Triton, KServe, Seldon and OpenVINO (specification: kserve/open-inference-protocol,
// specification/protocol/inference_rest.md). Health needs no key; the rest is behind the API keys as
// /v1 is. Errors are `{"error": "..."}` (errors.ts). Infer runs the same InferenceService.predict as
// /v1 predict, so both answer the same numbers for the same checkpoint.

import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { serviceUnavailable } from '../../../errors.js';
import type { RouteOptions } from '../../deps.js';
import { registerAuth } from '../../plugins/auth.js';
import { registerRateLimits } from '../../plugins/rate-limit.js';
import { failedReadinessChecks } from '../health/index.js';
import { oipNotFound, sendOipError } from './errors.js';
import { inferRoutes } from './infer.js';
import { modelRoutes } from './models.js';

const SERVER_NAME = 'nn-service';
/** package.json sits three folders above this file in src/ and in dist/ alike (and in the image). */
const SERVER_VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Register with `{ prefix: OIP_PREFIX }`. */
export async function oipRoutes(v2: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  v2.setErrorHandler((err, request, reply) => sendOipError(request, reply, err));
  v2.setNotFoundHandler(oipNotFound);

  v2.get('/health/live', async () => ({ live: true }));

  // The spec's text shows `"live"` in the ready response, a copy-paste slip its own name contradicts;
  // KServe and Triton answer `ready`. Not ready is a 503 naming the failing check, as /readyz.
  v2.get('/health/ready', async () => {
    const failed = await failedReadinessChecks(deps);
    if (failed.length > 0) throw serviceUnavailable('NOT_READY', `not ready: ${failed.map((f) => `${f.path.slice(8)} (${f.message})`).join(', ')}`);
    return { ready: true };
  });

  await v2.register(async (scope) => {
    registerAuth(scope, deps.config.apiKeys);
    await registerRateLimits(scope, deps.config);
    scope.get('/', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] }));
    await scope.register(modelRoutes, { deps });
    await scope.register(inferRoutes, { deps });
  });
}
