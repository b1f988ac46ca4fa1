// A job failure that retrying cannot fix (bad config, missing inputs, divergence). The processor
// records it on the job and ends the run `failed`, which no queue retries (BullMQ: UnrecoverableError).

import { isEngineError } from '../engine/index.js';
import { isAppError } from '../errors.js';

export class JobFailure extends Error {
  override readonly name = 'JobFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Engine errors and the service's own client-facing errors are deterministic: the same job fails the
 * same way every time. Anything else (I/O, a crash) may pass on another attempt.
 */
export function asJobFailure(err: unknown): JobFailure | null {
  if (err instanceof JobFailure) return err;
  if (isEngineError(err) || (isAppError(err) && err.status < 500)) return new JobFailure(err.code, err.message);
  if ((err as NodeJS.ErrnoException | null)?.code === 'ENOSPC') return new JobFailure('STORAGE_FULL', 'the data directory is full');
  return null;
}
