// The engine's one error type. Every failure the engine reports carries a stable code that callers
// (the API, the worker) map to statuses; `details` point at the offending field with a JSON pointer.

export type EngineErrorCode =
  | 'SPEC_INVALID' // the model spec is malformed or impossible (shape inference failed)
  | 'LIMIT_EXCEEDED' // parameter or activation-memory caps
  | 'SHAPE_MISMATCH' // data does not fit the model
  | 'CONFIG_INVALID' // training or optimizer configuration
  | 'WEIGHTS_INVALID' // safetensors import: names, shapes, dtypes, values
  | 'CHECKPOINT_INVALID' // checkpoint bytes could not be decoded
  | 'DIVERGED' // loss became NaN or infinite
  | 'CANCELLED'; // training stopped through its AbortSignal

export interface ErrorDetail {
  /** JSON pointer to the field, e.g. `/spec/layers/3/kernelSize`. */
  path: string;
  message: string;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof EngineError;
}
