// Dynamic batching end to end: a few hundred concurrent predicts over real HTTP across two models,
// several checkpoints and labels, some invalid. Every valid answer equals, byte for byte, the answer
// the same request got alone; every invalid request got its own 400 naming its own bad instance; and
// the engine calls were fewer than the requests (they really were batched). A low inline threshold
// sends the larger batches to the predict threads, so both places a batch can run are covered.

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer, type ModelSpec } from '../../src/engine/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const SPECS: ModelSpec[] = [
  { input: [16], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy' } as ModelSpec,
  {
    input: [6, 6, 1],
    layers: [{ type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy',
  } as ModelSpec,
];

/** A small deterministic PRNG, so a failure replays. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Request {
  modelId: string;
  body: { instances: unknown[]; checkpoint: string };
  /** The index of the instance made invalid, or null. */
  bad: number | null;
}

describe('concurrent predicts are batched exactly', () => {
  let t: TestApp;
  let base: string;
  const requests: Request[] = [];
  beforeAll(async () => {
    t = await createTestApp({ PREDICT_INLINE_MAX_FLOPS: '2000', PREDICT_BATCH_MAX_INSTANCES: '32', PREDICT_BATCH_MAX_WAIT_MS: '2' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const random = mulberry32(42);
    for (const [m, spec] of SPECS.entries()) {
      const modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: `c${m}`, spec } })).json().id as string;
      const checkpoints: string[] = [];
      for (let seed = 1; seed <= 3; seed++) {
        const weights = Trainer.create(spec, { seed: seed * 10 + m, optimizer: { type: 'sgd' } }).exportWeights();
        checkpoints.push((await t.deps.storage.checkpoints.create({ modelId, epoch: seed, weights, tags: seed === 2 ? ['best'] : [] })).id);
      }
      await t.app.inject({ method: 'PUT', url: `/v1/models/${modelId}/labels/prod`, payload: { checkpointId: checkpoints[0] } });
      await t.app.inject({ method: 'PUT', url: `/v1/models/${modelId}/labels/canary`, payload: { checkpointId: checkpoints[2] } });
      const selectors = ['latest', 'best', 'prod', 'canary', checkpoints[0], checkpoints[1]];
      const size = spec.input.reduce((a, b) => a * b, 1);
      for (let r = 0; r < 160; r++) {
        const count = 1 + Math.floor(random() * 4);
        const instances: unknown[] = Array.from({ length: count }, () => Array.from({ length: size }, () => Math.round((random() * 4 - 2) * 1000) / 1000));
        let bad: number | null = null;
        if (random() < 0.12) {
          bad = Math.floor(random() * count);
          instances[bad] = random() < 0.5 ? (instances[bad] as number[]).slice(1) : (instances[bad] as unknown[]).map((v, j) => (j === 3 ? 'x' : v));
        }
        requests.push({ modelId, body: { instances, checkpoint: selectors[Math.floor(random() * selectors.length)] }, bad });
      }
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const send = async (r: Request) => {
    const res = await fetch(`${base}/v1/models/${r.modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.body) });
    return { status: res.status, text: await res.text() };
  };
  const engineCalls = async () => (await t.deps.metrics.predictBatchInstances.get()).values.find((v) => v.metricName === 'predict_batch_instances_count')?.value ?? 0;

  it('every answer equals the unbatched answer exactly; every invalid request gets its own 400', async () => {
    const alone: { status: number; text: string }[] = [];
    for (const r of requests) alone.push(await send(r)); // one at a time: each request is its own engine call
    const callsBefore = await engineCalls();
    const together = await Promise.all(requests.map(send));
    const callsDuring = (await engineCalls()) - callsBefore;

    const valid = requests.filter((r) => r.bad === null).length;
    expect(valid).toBeGreaterThan(250);
    expect(requests.length - valid).toBeGreaterThan(20);
    requests.forEach((r, i) => {
      if (r.bad === null) {
        expect(together[i].status, together[i].text).toBe(200);
        expect(together[i].text).toBe(alone[i].text);
      } else {
        expect(together[i].status).toBe(400);
        const error = JSON.parse(together[i].text).error;
        expect(error.code).toBe('VALIDATION_ERROR');
        expect(error.details.map((d: { path: string }) => d.path.split('/').slice(0, 3).join('/'))).toEqual([`/instances/${r.bad}`]);
      }
    });
    expect(callsDuring).toBeLessThan(valid); // batching happened
  });
});
