// /v1/datasets: upload (JSON, CSV, NPY via multipart) under its own larger body limit, list, get,
// delete (409 DATASET_IN_USE while a queued or running job needs the dataset), samples (samples.ts).

import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, conflict, isAppError, validationError } from '../../../errors.js';
import type { RouteOptions } from '../../deps.js';
import { idParams, pageQuery } from '../../schemas/common.js';
import { assembleDataset, type DatasetDraft } from './assemble.js';
import { fromCsv, fromMultipart, payloadTooLarge } from './formats.js';
import { fromJsonBytes } from './json-dataset.js';
import { datasetSamplesRoutes } from './samples.js';

const csvText = new TextDecoder('utf-8', { fatal: true });

export async function datasetsRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const limit = deps.config.datasetBodyLimitBytes;
  await app.register(multipart, { limits: { fileSize: limit, files: 2, fields: 4, parts: 6 } });
  // Decoded strictly: a lossy decode would store U+FFFD in class names where the client sent other bytes.
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => {
    try {
      done(null, csvText.decode(body as Buffer));
    } catch {
      done(validationError('the CSV body is not valid UTF-8', [{ path: '/csv', message: 'not valid UTF-8' }]), undefined);
    }
  });

  // JSON datasets are scanned from the raw bytes (json-dataset.ts), never JSON.parse'd whole.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.post('/datasets', { bodyLimit: limit }, async (request, reply) => {
    const record = await assembleDataset(deps.storage.datasets, await draftFrom(request, limit));
    return reply.code(201).header('location', `/v1/datasets/${record.id}`).send(record);
  });

  app.get('/datasets', { schema: { querystring: pageQuery } }, async (request) => deps.storage.datasets.list(request.query));

  await app.register(datasetSamplesRoutes, { deps });

  app.get('/datasets/:id', { schema: { params: idParams } }, async (request) => deps.storage.datasets.get(request.params.id));

  app.delete('/datasets/:id', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params;
    await deps.storage.datasets.get(id);
    if (await deps.jobs.isInUse({ datasetId: id })) throw conflict('DATASET_IN_USE', `dataset ${id} is used by a queued or running job`);
    await deps.storage.datasets.delete(id);
    return reply.code(204).send();
  });
}

async function draftFrom(request: FastifyRequest, limit: number): Promise<DatasetDraft> {
  if (request.isMultipart()) {
    // A declared length over the limit is refused before a byte is read; a chunked body is counted as it streams.
    if (Number(request.headers['content-length'] ?? 0) > limit) throw payloadTooLarge(limit);
    return fromMultipart(request.parts(), limit).catch(asClientError);
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') return fromCsv(request.body as string, request.query);
  if (type === 'application/json') return fromJsonBytes(request.body as Buffer);
  throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `datasets are uploaded as application/json, text/csv or multipart/form-data, not ${type || 'nothing'}`);
}

/**
 * Reading a multipart body only parses what the client sent (no I/O of ours), so busboy's errors
 * (no boundary, truncated body) are the client's: 400, not 500. Limit errors keep their 413.
 */
function asClientError(err: unknown): never {
  const status = (err as { statusCode?: number }).statusCode;
  if (isAppError(err) || (status !== undefined && status < 500)) throw err;
  throw new AppError(400, 'INVALID_MULTIPART', `malformed multipart/form-data body: ${err instanceof Error ? err.message : String(err)}`);
}
