// The ONNX export thread: the bytes it returns are exportOnnx's, engine errors come back as
// EngineErrors with their code, and a burst beyond its queue is refused with 503 OVERLOADED.

import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { OnnxPool } from '../../src/export/onnx-pool.js';
import { randomWeights } from '../helpers/onnx-runtime.js';

/** As a plain Uint8Array: exportOnnx gives a Buffer, the thread a Uint8Array, and toEqual compares types too. */
const bytesOf = (bytes: Uint8Array) => new Uint8Array(bytes);

const spec = { input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };

describe('OnnxPool', () => {
  const pool = new OnnxPool();
  afterAll(() => pool.close());

  it('returns the bytes exportOnnx makes, from its own thread', async () => {
    const weights = randomWeights(spec, 1);
    const options = { name: 'm', metadata: { checkpointId: 'c' } };
    expect(bytesOf(await pool.export({ spec, weights, options }))).toEqual(bytesOf(exportOnnx(spec, weights, options)));
  });

  it('an engine error crosses the thread as an EngineError with its code', async () => {
    const wrong = randomWeights({ input: [2], layers: [{ type: 'dense', units: 2 }], loss: 'mse' }, 2);
    await expect(pool.export({ spec, weights: wrong, options: {} })).rejects.toMatchObject({ name: 'EngineError', code: 'WEIGHTS_INVALID' });
  });

  it('a burst beyond the queue gets 503 OVERLOADED with Retry-After; the accepted ones complete', async () => {
    const weights = randomWeights(spec, 3);
    // Submitted in one synchronous burst: none can finish before the last is queued.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => pool.export({ spec, weights, options: {} })));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    for (const err of refused) expect(isAppError(err) && err.status === 503 && err.code === 'OVERLOADED' && err.headers['retry-after']).toBeTruthy();
    const done = results.filter((r) => r.status === 'fulfilled');
    expect(done.length).toBeGreaterThan(0);
    for (const r of done) expect(bytesOf((r as PromiseFulfilledResult<Uint8Array>).value)).toEqual(bytesOf(exportOnnx(spec, weights)));
  });
});
