// Open Inference Protocol (KServe V2) conformance: every /v2 route, datatype conversion, versions
// (checkpoint id, `latest`, `best`, unknown label), the `outputs` filter, the `classes` output, ids,
// parameters and the protocol's `{"error": "..."}` shape; infer answers exactly what /v1 predict does.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/engine/index.js';
import { createTestApp, identitySpec, identityWeights, MISSING_ID, type TestApp } from '../helpers/test-app.js';

const KEY = 'oip-test-key';
const auth = { authorization: `Bearer ${KEY}` };

/** Every /v2 error body: exactly `{"error": "<message>"}`, with the status expected. */
function expectOipError(res: { statusCode: number; json(): unknown }, status: number, messagePart: string): void {
  const body = res.json() as Record<string, unknown>;
  expect({ status: res.statusCode, keys: Object.keys(body) }).toEqual({ status, keys: ['error'] });
  expect(typeof body.error).toBe('string');
  expect(body.error).toContain(messagePart);
}

/** [h, w, c] = [2, 2, 1] -> flatten -> dense(2, softmax); weights chosen so no two inputs tie. */
const imageSpec = {
  input: [2, 2, 1],
  layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
};
const imageWeights = () =>
  encodeSafetensors([
    ['layers.1.weight', { dtype: 'F32', shape: [2, 4], data: new Float32Array([0.5, -1.25, 2, 0.1, -0.3, 0.7, -1.1, 0.9]) }],
    ['layers.1.bias', { dtype: 'F32', shape: [2], data: new Float32Array([0.05, -0.02]) }],
  ]);
const sigmoidSpec = { input: [2], layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }], loss: 'binaryCrossentropy' };
const linearSpec = { input: [2], layers: [{ type: 'dense', units: 2 }], loss: 'mse' };

describe('Open Inference Protocol (/v2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: KEY, PREDICT_MAX_INSTANCES: '8' });
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (url: string, headers: Record<string, string> = auth) => t.app.inject({ method: 'GET', url, headers });
  const infer = (model: string, payload: unknown, version?: string) =>
    t.app.inject({ method: 'POST', url: `/v2/models/${model}${version === undefined ? '' : `/versions/${version}`}/infer`, headers: auth, payload: payload as object });
  const predict = (model: string, payload: unknown) => t.app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, headers: auth, payload: payload as object });
  const createModel = async (spec: object) =>
    (await t.app.inject({ method: 'POST', url: '/v1/models', headers: auth, payload: { name: 'oip', spec } })).json().id as string;
  const checkpoint = (modelId: string, weights: Uint8Array, epoch: number, tags: ('best' | 'final')[] = []) =>
    t.deps.storage.checkpoints.create({ modelId, epoch, weights, tags });
  const fp32 = (shape: number[], data: unknown[]) => ({ inputs: [{ name: 'input', shape, datatype: 'FP32', data }] });

  describe('health and server metadata', () => {
    it('answers live and ready without a key', async () => {
      const live = await get('/v2/health/live', {});
      expect([live.statusCode, live.json()]).toEqual([200, { live: true }]);
      const ready = await get('/v2/health/ready', {});
      expect([ready.statusCode, ready.json()]).toEqual([200, { ready: true }]);
    });

    it('gives server metadata behind the key', async () => {
      const anonymous = await get('/v2', {});
      expectOipError(anonymous, 401, 'Authorization');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expectOipError(await get('/v2', { authorization: 'Bearer wrong' }), 401, 'not recognised');
      const res = await get('/v2');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: 'nn-service', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: [] });
      expect((await get('/v2/')).json()).toEqual(res.json());
    });

    it('answers unknown /v2 routes and malformed paths in the protocol shape', async () => {
      expectOipError(await get('/v2/nothing-here'), 404, 'no route GET /v2/nothing-here');
      expectOipError(await get(`/v2/models/${'x'.repeat(300)}`), 404, 'so long a segment');
      // /v1 keeps its own shape.
      expect(Object.keys((await get('/v1/nothing-here')).json().error)).toContain('code');
    });
  });

  describe('model metadata and readiness', () => {
    it('describes a classifier: input [-1, ...inputShape], output [-1, K], classes [-1], its versions newest first', async () => {
      const modelId = await createModel(imageSpec);
      const first = await checkpoint(modelId, imageWeights(), 1, ['best']);
      const second = await checkpoint(modelId, imageWeights(), 2);
      const expected = {
        name: modelId,
        versions: [second.id, first.id],
        platform: 'nn-service_spec',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2, 2, 1] }],
        outputs: [
          { name: 'output', datatype: 'FP32', shape: [-1, 2] },
          { name: 'classes', datatype: 'INT64', shape: [-1] },
        ],
      };
      expect((await get(`/v2/models/${modelId}`)).json()).toEqual(expected);
      for (const version of ['latest', 'best', first.id]) expect((await get(`/v2/models/${modelId}/versions/${version}`)).json()).toEqual(expected);
    });

    it('gives sigmoid models classes [-1, K] and regression models no classes', async () => {
      const sigmoid = await createModel(sigmoidSpec);
      expect((await get(`/v2/models/${sigmoid}`)).json().outputs).toEqual([
        { name: 'output', datatype: 'FP32', shape: [-1, 2] },
        { name: 'classes', datatype: 'INT64', shape: [-1, 2] },
      ]);
      const linear = await createModel(linearSpec);
      expect((await get(`/v2/models/${linear}`)).json()).toMatchObject({ versions: [], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 2] }] });
    });

    it('404s unknown models and versions, label-shaped ones included', async () => {
      const modelId = await createModel(identitySpec);
      await checkpoint(modelId, identityWeights(), 1);
      expectOipError(await get(`/v2/models/${MISSING_ID}`), 404, MISSING_ID);
      expectOipError(await get(`/v2/models/${MISSING_ID}/ready`), 404, MISSING_ID);
      for (const version of [MISSING_ID, 'production', 'not a version']) {
        expectOipError(await get(`/v2/models/${modelId}/versions/${encodeURIComponent(version)}`), 404, 'not found');
        expectOipError(await get(`/v2/models/${modelId}/versions/${encodeURIComponent(version)}/ready`), 404, 'not found');
        expectOipError(await infer(modelId, fp32([1, 2], [1, 2]), encodeURIComponent(version)), 404, 'not found');
      }
    });

    it('is ready once a checkpoint exists; before, 409 as /v1 predict', async () => {
      const modelId = await createModel(identitySpec);
      expectOipError(await get(`/v2/models/${modelId}/ready`), 409, 'no checkpoint');
      expectOipError(await get(`/v2/models/${modelId}/versions/latest`), 409, 'no checkpoint');
      expectOipError(await infer(modelId, fp32([1, 2], [1, 2])), 409, 'no checkpoint');
      const ckpt = await checkpoint(modelId, identityWeights(), 1);
      for (const url of [`/v2/models/${modelId}/ready`, `/v2/models/${modelId}/versions/${ckpt.id}/ready`, `/v2/models/${modelId}/versions/best/ready`]) {
        const res = await get(url);
        expect([res.statusCode, res.json()]).toEqual([200, { name: modelId, ready: true }]);
      }
    });

    it('needs the key for every model route', async () => {
      for (const url of [`/v2/models/${MISSING_ID}`, `/v2/models/${MISSING_ID}/ready`, `/v2/models/${MISSING_ID}/versions/latest/ready`]) {
        expectOipError(await get(url, {}), 401, 'Authorization');
      }
      const res = await t.app.inject({ method: 'POST', url: `/v2/models/${MISSING_ID}/infer`, payload: fp32([1, 2], [1, 2]) });
      expectOipError(res, 401, 'Authorization');
    });
  });

  describe('infer', () => {
    let image: string;
    let imageBest: string;
    let imageLatest: string;
    /** Rows with many significant digits, so any conversion difference would show in the outputs. */
    const rows = [
      [0.123456789, -1.5, 2.25, 3.000001],
      [-0.7, 0.3333333, 1e-7, -2.5],
      [10.5, -10.25, 0, 0.999],
    ];
    const nested = rows.map(([a, b, c, d]) => [[[a], [b]], [[c], [d]]]);
    beforeAll(async () => {
      image = await createModel(imageSpec);
      imageBest = (await checkpoint(image, imageWeights(), 1, ['best'])).id;
      // A newer checkpoint with other weights, so latest and best answer differently.
      imageLatest = (await checkpoint(image, encodeSafetensors([
        ['layers.1.weight', { dtype: 'F32', shape: [2, 4], data: new Float32Array([-1, 1, -1, 1, 1, -1, 1, -1]) }],
        ['layers.1.bias', { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) }],
      ]), 2)).id;
    });

    it('answers exactly what /v1 predict answers, for flat, nested and flat-row shapes', async () => {
      const v1 = (await predict(image, { instances: rows })).json();
      const expected = {
        model_name: image,
        model_version: imageLatest,
        id: 'req-1',
        outputs: [
          { name: 'output', datatype: 'FP32', shape: [3, 2], data: v1.predictions.flat() },
          { name: 'classes', datatype: 'INT64', shape: [3], data: v1.classes },
        ],
      };
      expect(v1.checkpoint).toBe(imageLatest);
      for (const input of [
        { shape: [3, 2, 2, 1], data: rows.flat() },
        { shape: [3, 2, 2, 1], data: nested },
        { shape: [3, 4], data: rows },
        { shape: [3, 4], data: rows.flat() },
      ]) {
        const res = await infer(image, { id: 'req-1', inputs: [{ name: 'input', datatype: 'FP32', ...input }] });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(expected);
      }
    });

    it('picks latest by default, best, or a checkpoint id; model_version names the checkpoint', async () => {
      for (const [version, checkpointSelector, expected] of [
        [undefined, 'latest', imageLatest],
        ['latest', 'latest', imageLatest],
        ['best', 'best', imageBest],
        [imageBest, imageBest, imageBest],
      ] as const) {
        const v1 = (await predict(image, { instances: rows, checkpoint: checkpointSelector })).json();
        const body = (await infer(image, fp32([3, 4], rows), version)).json();
        expect(body.model_version).toBe(expected);
        expect(body.outputs[0].data).toEqual(v1.predictions.flat());
        expect(body.outputs[1].data).toEqual(v1.classes);
      }
      const latest = (await infer(image, fp32([3, 4], rows))).json().outputs[0].data;
      const best = (await infer(image, fp32([3, 4], rows), 'best')).json().outputs[0].data;
      expect(latest).not.toEqual(best);
    });

    it('converts every numeric datatype to the same floats /v1 takes', async () => {
      const ints = [[3, 0, 1, 2], [0, 7, 5, 1]];
      const v1 = (await predict(image, { instances: ints })).json().predictions.flat();
      for (const datatype of ['FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']) {
        const res = await infer(image, { inputs: [{ name: 'input', shape: [2, 4], datatype, data: ints.flat() }] });
        expect({ datatype, status: res.statusCode, data: res.json().outputs[0].data }).toEqual({ datatype, status: 200, data: v1 });
      }
      const bools = [[true, false, true, true], [false, false, true, false]];
      const asNumbers = (await predict(image, { instances: bools.map((r) => r.map(Number)) })).json().predictions.flat();
      const res = await infer(image, { inputs: [{ name: 'input', shape: [2, 2, 2, 1], datatype: 'BOOL', data: bools.flat() }] });
      expect(res.json().outputs[0].data).toEqual(asNumbers);
      // FP64 values round to float32 as /v1's numbers do.
      const precise = [[0.1000000000000000055511151231257827, 1 / 3, Math.PI, -Math.E]];
      const fp64 = await infer(image, { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP64', data: precise }] });
      expect(fp64.json().outputs[0].data).toEqual((await predict(image, { instances: precise })).json().predictions.flat());
    });

    it('400s values outside their datatype, naming the element', async () => {
      const cases: [string, unknown[], string][] = [
        ['UINT8', [1, 2, 256, 0], '/inputs/0/data/2: expected an integer in [0, 255] (UINT8), received 256'],
        ['UINT16', [1, 2, -1, 0], '/inputs/0/data/2: expected an integer in [0, 65535] (UINT16), received -1'],
        ['UINT64', [1, 2, 2 ** 64, 0], '/inputs/0/data/2: expected an integer in [0, 2^64 - 1] (UINT64)'],
        ['INT8', [1, -129, 0, 0], '/inputs/0/data/1: expected an integer in [-128, 127] (INT8)'],
        ['INT32', [1, 2, 3, 2.5], '/inputs/0/data/3'],
        ['INT64', [1, 2, 3, '4'], '/inputs/0/data/3: expected an integer in [-2^63, 2^63 - 1] (INT64), received "4"'],
        ['BOOL', [true, 1, false, false], '/inputs/0/data/1: expected true or false, received 1'],
        ['FP32', [1, 2, 3, 1e39], '/inputs/0/data/3: expected a number that fits in float32'],
        ['FP64', [1, null, 3, 4], '/inputs/0/data/1'],
        ['FP32', [1, 2, 3, [4]], '/inputs/0/data/3'],
      ];
      for (const [datatype, data, message] of cases) {
        expectOipError(await infer(image, { inputs: [{ name: 'input', shape: [1, 4], datatype, data }] }), 400, message);
      }
      const nestedBad = [[[[1], [2]], [[3], ['x']]]];
      expectOipError(await infer(image, fp32([1, 2, 2, 1], nestedBad)), 400, '/inputs/0/data/0/1/1/0: expected a number');
    });

    it('400s datatypes that are not numbers here', async () => {
      for (const datatype of ['FP16', 'BF16', 'BYTES', 'fp32', 'FLOAT']) {
        const res = await infer(image, { inputs: [{ name: 'input', shape: [1, 4], datatype, data: [1, 2, 3, 4] }] });
        expectOipError(res, 400, `/inputs/0/datatype: datatype "${datatype}" is not supported`);
      }
    });

    it('checks the shape against the model and the data against the shape', async () => {
      expectOipError(await infer(image, fp32([1, 2, 2], [1, 2, 3, 4])), 400, '/inputs/0/shape: expected [N, 2, 2, 1] or [N, 4] for this model, received [1, 2, 2]');
      expectOipError(await infer(image, fp32([4], [1, 2, 3, 4])), 400, '/inputs/0/shape');
      expectOipError(await infer(image, fp32([0, 4], [])), 400, '/inputs/0/shape/0: the batch size N must be at least 1');
      expectOipError(await infer(image, fp32([2, 4], [1, 2, 3, 4])), 400, '/inputs/0/data: expected 8 elements');
      expectOipError(await infer(image, fp32([2, 4], [[1, 2, 3, 4]])), 400, '/inputs/0/data: expected an array of 2 entries');
      expectOipError(await infer(image, fp32([1, 2, 2, 1], [[[1, 2], [3, 4]]])), 400, '/inputs/0/data/0/0/0: expected an array of 1 entries');
      expectOipError(await infer(image, fp32([1, 4.5], [1, 2, 3, 4])), 400, '/inputs/0/shape/1');
    });

    it('413s more instances than PREDICT_MAX_INSTANCES, as /v1', async () => {
      const res = await infer(image, fp32([9, 4], Array.from({ length: 36 }, () => 0)));
      expectOipError(res, 413, '9 instances in one request; the limit is 8');
    });

    it('filters outputs by name, in the order asked, and 400s unknown or repeated names', async () => {
      const all = (await infer(image, fp32([3, 4], rows))).json().outputs;
      const classesOnly = (await infer(image, { ...fp32([3, 4], rows), outputs: [{ name: 'classes' }] })).json();
      expect(classesOnly.outputs).toEqual([all[1]]);
      const both = (await infer(image, { ...fp32([3, 4], rows), outputs: [{ name: 'classes' }, { name: 'output', parameters: { binary_data: false } }] })).json();
      expect(both.outputs).toEqual([all[1], all[0]]);
      expectOipError(await infer(image, { ...fp32([3, 4], rows), outputs: [{ name: 'output' }, { name: 'probabilities' }] }), 400, '/outputs/1/name: no output "probabilities"');
      expectOipError(await infer(image, { ...fp32([3, 4], rows), outputs: [{ name: 'output' }, { name: 'output' }] }), 400, '/outputs/1/name: output "output" requested twice');
    });

    it('gives classes per row for softmax, 0/1 per output for sigmoid, and none for regression', async () => {
      const sigmoid = await createModel(sigmoidSpec);
      await checkpoint(sigmoid, identityWeights(), 1);
      const x = [[2, -3], [-1, 0.5], [0.1, 0.2]];
      const v1 = (await predict(sigmoid, { instances: x })).json();
      const res = (await infer(sigmoid, fp32([3, 2], x))).json();
      expect(res.outputs).toEqual([
        { name: 'output', datatype: 'FP32', shape: [3, 2], data: v1.predictions.flat() },
        { name: 'classes', datatype: 'INT64', shape: [3, 2], data: [1, 0, 0, 1, 1, 1] },
      ]);
      expect(v1.classes.flat()).toEqual([1, 0, 0, 1, 1, 1]);

      const linear = await createModel(linearSpec);
      await checkpoint(linear, identityWeights(2), 1);
      const out = (await infer(linear, fp32([3, 2], x))).json().outputs;
      expect(out).toEqual([{ name: 'output', datatype: 'FP32', shape: [3, 2], data: x.flat().map((v) => Math.fround(2 * v)) }]);
      expectOipError(await infer(linear, { ...fp32([3, 2], x), outputs: [{ name: 'classes' }] }), 400, 'is not a classifier');
    });

    it('echoes the request id, or answers the x-request-id when the request has none', async () => {
      expect((await infer(image, { id: 'abc-42', ...fp32([1, 4], rows[0]) })).json().id).toBe('abc-42');
      const res = await infer(image, fp32([1, 4], rows[0]));
      expect(res.json().id).toBe(res.headers['x-request-id']);
    });

    it('accepts request and input parameters; 400s parameters that are not strings, numbers or booleans', async () => {
      const plain = (await infer(image, fp32([1, 4], rows[0]))).json().outputs;
      const payload = { parameters: { priority: 1, tag: 'x', flag: true }, inputs: [{ ...fp32([1, 4], rows[0]).inputs[0], parameters: { note: 'y' } }] };
      expect((await infer(image, payload)).json().outputs).toEqual(plain);
      expectOipError(await infer(image, { ...fp32([1, 4], rows[0]), parameters: { nested: { a: 1 } } }), 400, '/parameters/nested');
    });

    it('400s malformed requests in the protocol shape', async () => {
      expectOipError(await infer(image, { inputs: [] }), 400, '/inputs');
      expectOipError(await infer(image, {}), 400, '/inputs');
      expectOipError(await infer(image, { ...fp32([1, 4], rows[0]), extra: 1 }), 400, '/extra: unknown field "extra"');
      expectOipError(await infer(image, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: rows[0] }] }), 400, '/inputs/0/name: no input "x"');
      const two = { inputs: [fp32([1, 4], rows[0]).inputs[0], fp32([1, 4], rows[0]).inputs[0]] };
      expectOipError(await infer(image, two), 400, '/inputs: this model takes one input');
      expectOipError(await infer(image, { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32' }] }), 400, '/inputs/0/data');
      const badJson = await t.app.inject({ method: 'POST', url: `/v2/models/${image}/infer`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"inputs": [' });
      expectOipError(badJson, 400, 'not valid JSON');
      const text = await t.app.inject({ method: 'POST', url: `/v2/models/${image}/infer`, headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
      expectOipError(text, 415, 'unsupported content type');
      expectOipError(await infer(MISSING_ID, fp32([1, 4], rows[0])), 404, MISSING_ID);
    });

    it('reads a body without Content-Type as JSON, as Triton clients send it, and refuses binary tensor data by name', async () => {
      const url = `/v2/models/${image}/infer`;
      const body = Buffer.from(JSON.stringify({ ...fp32([1, 4], rows[0]), outputs: [{ name: 'output', parameters: { binary_data: false } }] }));
      const bare = await t.app.inject({ method: 'POST', url, headers: auth, payload: body });
      // The same bare body is a 415 on /v1, which keeps requiring a JSON content type.
      const v1 = await t.app.inject({ method: 'POST', url: `/v1/models/${image}/predict`, headers: auth, payload: Buffer.from(JSON.stringify({ instances: [rows[0]] })) });
      expect(v1.statusCode).toBe(415);
      expect(bare.statusCode).toBe(200);
      expect(bare.json().outputs).toEqual([(await infer(image, fp32([1, 4], rows[0]))).json().outputs[0]]);
      const binary = await t.app.inject({ method: 'POST', url, headers: { ...auth, 'inference-header-content-length': String(body.length) }, payload: body });
      expectOipError(binary, 415, 'binary tensor data (Inference-Header-Content-Length) is not supported');
    });
  });

  it('sheds load in the protocol shape while the event loop lags; live stays up', async () => {
    let delayMs = 0;
    const lagging = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '10' }, undefined, { eventLoopDelayMs: () => delayMs });
    try {
      delayMs = 250;
      const shed = await lagging.app.inject({ method: 'GET', url: '/v2' });
      expectOipError(shed, 503, 'overloaded');
      expect(shed.headers['retry-after']).toBe('5');
      expectOipError(await lagging.app.inject({ method: 'GET', url: '/v2/health/ready' }), 503, 'overloaded');
      expect((await lagging.app.inject({ method: 'GET', url: '/v2/health/live' })).json()).toEqual({ live: true });
      delayMs = 0;
      expect((await lagging.app.inject({ method: 'GET', url: '/v2' })).statusCode).toBe(200);
    } finally {
      await lagging.close();
    }
  });
});
