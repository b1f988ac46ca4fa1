// The Open Inference Protocol's own error shape, `{"error": "message"}`, for everything under /v2:
// the same mapping and statuses (and Retry-After, WWW-Authenticate) as /v1, only another body. The
// request id stays in the `x-request-id` header and the logs.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../errors.js';
import { describeError } from '../../plugins/error-handler.js';
import { REQUEST_ID_HEADER } from '../../plugins/request-id.js';

export const OIP_PREFIX = '/v2';

export function sendOipError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { http } = describeError(request, err);
  return reply.code(http.status).headers(http.headers).type('application/json; charset=utf-8').send({ error: http.message });
}

export function oipNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendOipError(request, reply, new AppError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}

export function isOipUrl(url: string): boolean {
  return url === OIP_PREFIX || url.startsWith(`${OIP_PREFIX}/`) || url.startsWith(`${OIP_PREFIX}?`);
}

/** For fastify's `frameworkErrors` (errors raised while routing): the /v2 shape for /v2 URLs. */
export function oipFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, request.id);
  void sendOipError(request, reply, err);
}
