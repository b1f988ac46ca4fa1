// Runs inside the ONNX export thread (onnx-pool.ts): rebuilds the model from verified weights and
// encodes it, off the API's event loop. Engine errors go back as plain data (a thread boundary keeps
// only an error's message), the file's bytes are moved, not copied.

import { Piscina } from 'piscina';
import { isEngineError } from '../engine/index.js';
import { exportOnnx } from './onnx.js';
import type { OnnxTask, OnnxTaskResult } from './onnx-pool.js';

export default function run({ spec, weights, options }: OnnxTask): OnnxTaskResult {
  try {
    const bytes = exportOnnx(spec, weights, options);
    // Moving transfers the whole ArrayBuffer: a small Buffer is a slice of Node's shared pool, which
    // must not leave this thread, so such bytes get a buffer of their own first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
    return Piscina.move(own) as unknown as OnnxTaskResult;
  } catch (err) {
    if (isEngineError(err)) return { error: { code: err.code, message: err.message, details: err.details } };
    return { error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), details: [] } };
  }
}
