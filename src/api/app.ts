// buildApp(deps): the fastify app with its plugins and routes. It never listens (server.ts does), so
// tests build it against a temporary DATA_DIR and call it with inject or supertest.

import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppDeps } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { docsPlugin } from './plugins/docs.js';
import { clientErrorHandler, errorHandlerPlugin, frameworkErrorHandler } from './plugins/error-handler.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { loadSheddingPlugin } from './plugins/load-shedding.js';
import { metricsPlugin } from './plugins/metrics.js';
import { registerRateLimits } from './plugins/rate-limit.js';
import { genReqId, requestIdPlugin } from './plugins/request-id.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { checkpointsRoutes } from './routes/checkpoints/index.js';
import { datasetsRoutes } from './routes/datasets/index.js';
import { healthRoutes } from './routes/health/index.js';
import { curvesRoutes } from './routes/jobs/curves.js';
import { jobsRoutes } from './routes/jobs/index.js';
import { modelsRoutes } from './routes/models/index.js';
import { isOipUrl, OIP_PREFIX, oipFrameworkError } from './routes/oip/errors.js';
import { oipRoutes } from './routes/oip/index.js';
import { predictRoutes } from './routes/predict/index.js';

export type { AppDeps } from './deps.js';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: deps.config.bodyLimitBytes,
    // Reject rather than strip prototype-poisoning keys (secure-json-parse); the error handler says 400.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Routing errors (undecodable URL, over-long id) in the one error shape, as 404s: unknown ids.
    frameworkErrors: (err, request, reply) => (isOipUrl(request.url) ? oipFrameworkError : frameworkErrorHandler)(err, request, reply),
    // Malformed HTTP that never becomes a request: the same error shape, written to the socket.
    clientErrorHandler,
    // Requests arriving while the server closes get our 503 SHUTTING_DOWN (plugins/load-shedding.ts).
    return503OnClosing: false,
    trustProxy: deps.config.trustProxy,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(requestIdPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: deps.config.overloadMaxEventLoopDelayMs, eventLoopDelayMs: deps.eventLoopDelayMs });
  await app.register(securityHeadersPlugin, { corsOrigins: deps.config.corsOrigins });
  await app.register(metricsPlugin, { metrics: deps.metrics });
  await app.register(docsPlugin);
  await app.register(dashboardPlugin);
  await app.register(healthRoutes, { deps });

  await app.register(
    async (v1) => {
      registerAuth(v1, deps.config.apiKeys);
      await registerRateLimits(v1, deps.config);
      await v1.register(datasetsRoutes, { deps });
      await v1.register(modelsRoutes, { deps });
      await v1.register(checkpointsRoutes, { deps });
      await v1.register(predictRoutes, { deps });
      await v1.register(jobsRoutes, { deps });
      await v1.register(curvesRoutes, { deps });
    },
    { prefix: '/v1' },
  );
  // The Open Inference Protocol (KServe V2): its own error shape, health open, the rest behind the keys.
  await app.register(oipRoutes, { prefix: OIP_PREFIX, deps });
  return app;
}
