// PredictPool runs the compiled predict worker (dist/, built by `npm test`) in real threads:
// outputs match the engine on the main thread (through predictRows, as every serving path runs it), engine errors come back as EngineErrors, and a full
// queue answers 503 OVERLOADED.

import { afterEach, describe, expect, it } from 'vitest';
import { isEngineError, Model } from '../../src/engine/index.js';
import { compiledFile } from '../../src/compiled-path.js';
import { predictRows } from '../../src/inference/batch-invariant.js';
import { PredictPool } from '../../src/inference/predict-pool.js';

const spec = { input: [3], layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };

describe('PredictPool', () => {
  let pool: PredictPool;
  afterEach(async () => {
    await pool.close();
  });

  it('predicts what the engine predicts in-process', async () => {
    pool = new PredictPool({ threads: 1, queueLimit: 4, modelCacheEntries: 2 });
    const model = Model.build(spec, { seed: 7 });
    const inputs = new Float32Array([0.5, -1, 2, 1, 1, 1]);
    const expected = predictRows(model, inputs, 2);
    const weights = model.exportWeights();
    const out = await pool.predict({ checkpointId: 'c1', spec: model.spec, weights, inputs: inputs.slice(), count: 2 });
    expect(out.outputSize).toBe(2);
    expect(out.outputActivation).toBe('softmax');
    expect(Array.from(out.outputs)).toEqual(Array.from(expected));
  });

  it('rebuilds engine errors thrown in the thread', async () => {
    pool = new PredictPool({ threads: 1, queueLimit: 4, modelCacheEntries: 2 });
    const err = await pool.predict({ checkpointId: 'bad', spec: Model.build(spec).spec, weights: new Uint8Array(16), inputs: new Float32Array(3), count: 1 }).catch((e: unknown) => e);
    expect(isEngineError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WEIGHTS_INVALID' });
  });

  it('answers 503 OVERLOADED when the queue is full', async () => {
    pool = new PredictPool({ threads: 1, queueLimit: 1, modelCacheEntries: 1 });
    const model = Model.build(spec);
    const task = () => pool.predict({ checkpointId: 'c', spec: model.spec, weights: model.exportWeights(), inputs: new Float32Array(3 * 20000), count: 20000 });
    const results = await Promise.allSettled([task(), task(), task(), task()]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].reason).toMatchObject({ status: 503, code: 'OVERLOADED', headers: { 'retry-after': '1' } });
  });
});

describe('compiledFile', () => {
  it('maps a src/ caller to the same file under dist/, and leaves dist/ callers alone', () => {
    expect(compiledFile('file:///app/src/inference/predict-pool.ts', './predict-worker.js')).toBe('/app/dist/inference/predict-worker.js');
    expect(compiledFile('file:///app/dist/inference/predict-pool.js', './predict-worker.js')).toBe('/app/dist/inference/predict-worker.js');
  });
});
