// Every error leaves in one shape: {error: {code, message, details, requestId}}. Service and engine
// errors map through toHttpError; fastify's own errors (bad JSON, body limits, content types, schema
// validation) are translated here. 5xx bodies hide their details; the log keeps them.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError, toHttpError } from '../../errors.js';
import { isEngineError } from '../../engine/index.js';
import { invalidRequest } from '../schemas/common.js';

/** Where fastify validated: body paths stay relative to the body, others get a prefix. */
const CONTEXT_PREFIX: Record<string, string> = { body: '', querystring: '/query', params: '/params', headers: '/headers' };

function fromFastify(err: FastifyError): AppError | null {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const prefix = CONTEXT_PREFIX[err.validationContext ?? 'body'] ?? '';
    return invalidRequest(
      err.validation.map((v) => ({ path: `${prefix}${v.instancePath === '/' ? '' : v.instancePath}` || '/', message: v.message ?? 'invalid' })),
    );
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY': // also secure-json-parse's __proto__/constructor poisoning
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'INVALID_JSON', err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the JSON body is empty' : 'the body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', `request body over the limit: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content type: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', err.message);
  return null;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const known = isAppError(err) || isEngineError(err) ? err : fromFastify(err as FastifyError);
  const http = toHttpError(known ?? err);
  if (http.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: http.code, status: http.status }, http.message);
  // Deliberate errors (a 503 naming the failing check) keep their text; anything unexpected is hidden.
  const hidden = known === null;
  return reply
    .code(http.status)
    .headers(http.headers)
    .type('application/json; charset=utf-8')
    .send({ error: { code: http.code, message: http.message, details: hidden ? [] : http.details, requestId: request.id } });
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
    app.setNotFoundHandler((request, reply) =>
      sendError(request, reply, new AppError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'error-handler' },
);
