// The service's one error model: AppError (code, status, message, details) for everything the service
// itself rejects, and `toHttpError`, the ONE place that maps AppErrors and engine errors to statuses.

import { isEngineError, type EngineErrorCode, type ErrorDetail } from './engine/index.js';

export type { ErrorDetail };

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Extra response headers, e.g. Retry-After on 429/503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Engine codes are all about what the client asked for; none of them is the server's fault. */
const ENGINE_STATUS: Record<EngineErrorCode, number> = {
  SPEC_INVALID: 422,
  LIMIT_EXCEEDED: 422,
  SHAPE_MISMATCH: 422,
  CONFIG_INVALID: 422,
  WEIGHTS_INVALID: 422,
  CHECKPOINT_INVALID: 409, // stored training state that no longer decodes: a state conflict, like CHECKPOINT_CORRUPT
  DIVERGED: 422,
  CANCELLED: 409,
};

export interface HttpError {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  headers: Record<string, string>;
}

/** Maps any thrown value to its HTTP form. Unknown errors become a 500 INTERNAL_ERROR. */
export function toHttpError(err: unknown): HttpError {
  if (isAppError(err)) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, headers: err.headers };
  }
  if (isEngineError(err)) {
    return { status: ENGINE_STATUS[err.code] ?? 422, code: err.code, message: err.message, details: err.details, headers: {} };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'internal server error', details: [], headers: {} };
}

// Constructors for the errors several modules raise, so codes and statuses are spelled once.

export const notFound = (resource: string, id?: string): AppError =>
  new AppError(404, `${resource.toUpperCase()}_NOT_FOUND`, id === undefined ? `${resource} not found` : `${resource} ${id} not found`);

export const validationError = (message: string, details: ErrorDetail[] = []): AppError =>
  new AppError(400, 'VALIDATION_ERROR', message, details);

export const conflict = (code: string, message: string, details: ErrorDetail[] = []): AppError =>
  new AppError(409, code, message, details);

export const checkpointCorrupt = (id: string, what: string): AppError =>
  conflict('CHECKPOINT_CORRUPT', `checkpoint ${id}: ${what} failed its sha256 check`);

export const datasetCorrupt = (id: string): AppError =>
  conflict('DATASET_CORRUPT', `dataset ${id}: stored data failed its sha256 check`);

/** A dependency (Redis, the predict pool) is down or saturated; clients retry after `retryAfterSeconds`. */
export const serviceUnavailable = (code: string, message: string, retryAfterSeconds = 5): AppError =>
  new AppError(503, code, message, [], { 'retry-after': String(retryAfterSeconds) });
