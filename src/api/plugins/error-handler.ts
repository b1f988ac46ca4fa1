// Every error leaves in one shape: {error: {code, message, details, requestId}}. Service and engine
// errors map through toHttpError; fastify's own errors (bad JSON, body limits, content types, schema
// validation) are translated here. 5xx bodies hide their details; the log keeps them.

import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError, notFound, toHttpError, type HttpError } from '../../errors.js';
import { isEngineError } from '../../engine/index.js';
import { invalidRequest, pointer } from '../schemas/common.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Where fastify validated: body paths stay relative to the body, others get a prefix. */
const CONTEXT_PREFIX: Record<string, string> = { body: '', querystring: '/query', params: '/params', headers: '/headers' };

function fromFastify(err: FastifyError): AppError | null {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const prefix = CONTEXT_PREFIX[err.validationContext ?? 'body'] ?? '';
    return invalidRequest(
      err.validation.flatMap((v) => {
        const at = `${prefix}${v.instancePath === '/' ? '' : v.instancePath}`;
        // A strict object's unknown keys: name each one (`/epoch`), not the object that holds them.
        const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
        if (Array.isArray(keys) && keys.length > 0) return keys.map((key) => ({ path: pointer([String(key)], at), message: `unknown field "${String(key)}"` }));
        return [{ path: at || '/', message: v.message ?? 'invalid' }];
      }),
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
    case 'FST_PROTO_VIOLATION': // a multipart field named __proto__
      return new AppError(400, 'INVALID_MULTIPART', `malformed multipart/form-data body: ${err.message}`);
    case 'FST_ERR_BAD_URL': // undecodable percent-encoding, and
    case 'FST_ERR_MAX_PARAM_LENGTH': // ids no UUID could be: unknown ids (/v1 names the resource: unknownIdError)
      return new AppError(404, 'NOT_FOUND', `no resource at ${err.code === 'FST_ERR_BAD_URL' ? 'this malformed URL' : 'a path with so long a segment'}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content type: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  // Other malformed requests (a body shorter than its content-length, ...): the documented 400 code.
  if (status >= 400 && status < 500) return new AppError(status, status === 404 ? 'NOT_FOUND' : status === 400 ? 'VALIDATION_ERROR' : 'BAD_REQUEST', err.message);
  return null;
}

/**
 * Maps and logs any error a route raised; `hidden` when it was unexpected, so its details stay in the
 * log. sendError and the /v2 routes' own error shape (routes/oip/errors.ts) both start here.
 */
export function describeError(request: FastifyRequest, err: unknown): { http: HttpError; hidden: boolean } {
  const known = isAppError(err) || isEngineError(err) ? err : fromFastify(err as FastifyError);
  const http = toHttpError(known ?? err);
  if (http.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: http.code, status: http.status }, http.message);
  // Deliberate errors (a 503 naming the failing check) keep their text; anything unexpected is hidden.
  return { http, hidden: known === null };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { http, hidden } = describeError(request, err);
  return reply
    .code(http.status)
    .headers(http.headers)
    .type('application/json; charset=utf-8')
    .send({ error: { code: http.code, message: http.message, details: hidden ? [] : http.details, requestId: request.id } });
}

/**
 * Fastify's `frameworkErrors` option: errors raised while routing, before any hook runs (a URL that is
 * not valid percent-encoding, a path segment over maxParamLength). Same shape as every other error.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, request.id);
  const badId = err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void sendError(request, reply, badId ? unknownIdError(request.url, request.server.initialConfig.maxParamLength ?? 100) : err);
}

/** Path segments that name a collection, and the resource their next segment identifies. */
const COLLECTIONS: Record<string, string> = { datasets: 'dataset', models: 'model', jobs: 'job', checkpoints: 'checkpoint', sweeps: 'sweep', labels: 'label' };

/**
 * A URL fastify could not route (undecodable percent-encoding, a segment over maxParamLength) holds
 * an id no resource has: API.md answers that with the resource's own 404 (`JOB_NOT_FOUND`), so the
 * first such segment after a collection name says which. Elsewhere it stays NOT_FOUND.
 */
export function unknownIdError(url: string, maxParamLength: number): AppError {
  const segments = url.split('?')[0].split('/');
  const bad = (segment: string): boolean => {
    if (segment.length > maxParamLength) return true;
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  };
  for (let i = 0; i + 1 < segments.length; i++) {
    const resource = COLLECTIONS[segments[i]];
    if (resource && bad(segments[i + 1])) return notFound(resource, 'with this id');
  }
  return new AppError(404, 'NOT_FOUND', 'no resource at this malformed URL');
}

/** Statuses and codes of HTTP-level failures, seen before fastify has a request (fastify's `clientErrorHandler`). */
function clientFailure(code: string | undefined): [number, string, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time'];
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'HEADERS_TOO_LARGE', 'the request headers are over the size limit'];
  return [400, 'VALIDATION_ERROR', 'the request is not valid HTTP/1.1'];
}

/**
 * Malformed HTTP (a bad request line, an unparsable content-length, oversized headers): Node's parser
 * rejects it before any route or hook, so the answer is written to the socket here, in the same error
 * shape with a fresh request id, and the connection closed (as fastify's default does).
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientFailure(err.code);
  const requestId = randomUUID();
  this.log.info({ err, code, status, requestId }, message);
  const body = JSON.stringify({ error: { code, message, details: [], requestId } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
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
