// Property-based fuzzing of every route (fast-check, arbitraries written by hand from the zod schemas
// and openapi.yaml): valid-ish bodies mutated (wrong types, missing and extra keys, extreme numbers,
// deep nesting, poisoned keys, broken JSON text), random ids and content types. Whatever arrives, the
// answer is never a 5xx, every 4xx has the documented error shape and a documented status, and the
// app still answers /healthz with the built-in prototypes untouched.
// Deterministic: FUZZ_SEED (default below) and FUZZ_SCALE (multiplies the runs) override; a failure
// prints the seed and the shrunk counterexample.

import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertErrorShape, createHostileApp, prototypeKeys, type HostileApp } from '../helpers/hostile-app.js';
import { multipart, npy } from '../helpers/npy.js';
import { identitySpec, identityWeights, MISSING_ID } from '../helpers/test-app.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/** What API.md allows: successes, and the client-error statuses (no 401/429/503: auth and limits are off). */
const ALLOWED = new Set([200, 201, 202, 204, 400, 404, 409, 413, 415, 422]);

interface Fixtures {
  trained: string;
  untrained: string;
  checkpoint: string;
  dataset: string;
  regression: string;
  finishedJob: string;
}

// ---------- values ----------

const nest = (levels: number, inner: unknown): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};

const extremeNumber = fc.constantFrom(0, -0, -1, 0.5, 1.5, 1e308, -1e308, 2 ** 53 + 2, 5e-324, 65_536, 2 ** 31, 2 ** 32, 1e15, 1_000_001);
const trickyString = fc.constantFrom(
  '', ' ', '1', '1e309', 'NaN', 'Infinity', '__proto__', 'constructor', 'prototype', '../x', '%2e%2e%2f', '..%2F..%2Fetc%2Fpasswd',
  '/etc/passwd', 'http://127.0.0.1:9/x', '${process.exit(1)}', "require('child_process')", 'latest', 'best', MISSING_ID,
  '\u0000', '\ud800', 'é'.repeat(50), 'x'.repeat(5000),
);
const scalar: fc.Arbitrary<unknown> = fc.oneof(
  extremeNumber,
  trickyString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.array(scalar, { maxLength: 4 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), trickyString), scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 200 }), scalar).map(([n, v]) => nest(n, v)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }).map((n) => Array(n).fill(1)) },
);

// ---------- structural mutation of a valid body ----------

type Mutation =
  | { kind: 'replace' | 'add'; at: number; key: string; value: unknown }
  | { kind: 'delete' | 'wrap' | 'stringify' | 'negate'; at: number }
  | { kind: 'deepen'; at: number; levels: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), key: fc.constant(''), value: hostileValue }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.string({ maxLength: 10 }), trickyString), value: hostileValue }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'wrap' as const, 'stringify' as const, 'negate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('deepen' as const), at: fc.nat(), levels: fc.integer({ min: 2, max: 1500 }) }),
);

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) node.slice(0, 50).forEach((v, i) => (out.push({ parent: node, key: i }), stack.push(v)));
    else if (node && typeof node === 'object') Object.entries(node).forEach(([k, v]) => (out.push({ parent: node as Record<string, unknown>, key: k }), stack.push(v)));
  }
  return out;
}

function containers(root: unknown): (Record<string, unknown> | unknown[])[] {
  return [root, ...slots(root).map((s) => (s.parent as Record<string | number, unknown>)[s.key])].filter(
    (v): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null,
  );
}

function mutate(base: unknown, mutations: Mutation[]): unknown {
  const root = structuredClone(base);
  for (const m of mutations) {
    if (m.kind === 'add') {
      const all = containers(root).filter((c) => !Array.isArray(c)) as Record<string, unknown>[];
      const target = all[m.at % all.length];
      // defineProperty, so a "__proto__" key is an own key that JSON.stringify writes out.
      if (target) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const all = slots(root);
    if (all.length === 0) continue;
    const { parent, key } = all[m.at % all.length];
    const p = parent as Record<string | number, unknown>;
    const value = p[key];
    switch (m.kind) {
      case 'replace':
        p[key] = m.value;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete p[key];
        break;
      case 'wrap':
        p[key] = [value];
        break;
      case 'stringify':
        p[key] = typeof value === 'string' ? Number(value) : (JSON.stringify(value) ?? 'undefined');
        break;
      case 'negate':
        p[key] = typeof value === 'number' ? -value * 1e6 : value === null ? 0 : null;
        break;
      case 'deepen':
        p[key] = nest(m.levels, value);
        break;
    }
  }
  return root;
}

// ---------- text-level damage, content types, ids ----------

type TextDamage =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'literal'; literal: string }
  | { kind: 'deep'; nth: number; levels: number }
  | { kind: 'bytes'; at: number; bytes: number[] }
  | { kind: 'empty' };

const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('literal' as const), literal: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '0x10', '01', '.5', 'undefined', "'a'") }) },
  // Written into the text, not built as objects: thousands of levels overflow any recursive code, the fuzzer's own included.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), nth: fc.nat({ max: 5 }), levels: fc.integer({ min: 50, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);

function serialize(value: unknown, damage: TextDamage): Buffer {
  const text = JSON.stringify(value) ?? 'null';
  switch (damage.kind) {
    case 'none':
      return Buffer.from(text);
    case 'empty':
      return Buffer.alloc(0);
    case 'truncate':
      return Buffer.from(text.slice(0, damage.at % Math.max(1, text.length)));
    case 'literal': {
      const replaced = text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, damage.literal);
      return Buffer.from(replaced === text ? `${text.slice(0, -1)},"x":${damage.literal}}` : replaced);
    }
    case 'deep': {
      // Wrap the nth number (or the whole body) in `levels` arrays.
      let seen = 0;
      const replaced = text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g, (n) => (seen++ === damage.nth ? `${'['.repeat(damage.levels)}${n}${']'.repeat(damage.levels)}` : n));
      return Buffer.from(seen > damage.nth ? replaced : `${'['.repeat(damage.levels)}${text}${']'.repeat(damage.levels)}`);
    }
    case 'bytes': {
      const bytes = Buffer.from(text);
      const at = damage.at % Math.max(1, bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(damage.bytes), bytes.subarray(at)]);
    }
  }
}

const jsonType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'text/plain', 'text/csv', 'application/xml', 'application/octet-stream', 'multipart/form-data',
      'multipart/form-data; boundary=xyz', 'application/x-www-form-urlencoded', 'application/vnd.api+json', '', 'application/json; charset=utf-16', '*/*',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

/** A content-type header value fastify would refuse to even read is not what we test; the header must be legal. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e]/g, '');

const rawSegment = fc.constantFrom('..', '.', '%', '%zz', '%ff%fe', '%00', '..%2f', '%2e%2e', '%2F', 'a'.repeat(300), '%C0%AE%C0%AE', '~', '%20');

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as raw bytes. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

function idArb(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known).map(encode) },
    { weight: 2, arbitrary: fc.uuid().map(encode) },
    { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), trickyString).map((s) => encode(s) || 'x') },
    { weight: 1, arbitrary: rawSegment },
  );
}

const req = (method: InjectOptions['method'], url: string, payload?: Buffer | string, contentType?: string): InjectOptions => ({
  method,
  url,
  ...(payload === undefined ? {} : { payload }),
  headers: contentType === undefined || contentType === '' ? {} : { 'content-type': headerSafe(contentType) || 'application/json' },
});

function jsonPost(url: fc.Arbitrary<string>, base: fc.Arbitrary<unknown>): fc.Arbitrary<InjectOptions> {
  return fc
    .record({ url, base, mutations: fc.array(mutation, { maxLength: 3 }), damage: textDamage, type: jsonType })
    .map(({ url, base, mutations, damage, type }) => req('POST', url, serialize(mutate(base, mutations), damage), type));
}

// ---------- valid-ish bases from the schemas ----------

const layer = fc.oneof(
  fc.record({ type: fc.constant('dense'), units: fc.integer({ min: 1, max: 8 }), activation: fc.constantFrom('relu', 'tanh', 'sigmoid', 'linear', 'softmax', 'leakyRelu') }),
  fc.record({ type: fc.constant('dropout'), rate: fc.double({ min: 0, max: 0.9, noNaN: true }) }),
  fc.record({ type: fc.constant('activation'), activation: fc.constantFrom('relu', 'tanh', 'absRelu') }),
);
const denseSpec = fc.record({
  input: fc.tuple(fc.integer({ min: 1, max: 16 })),
  layers: fc.array(layer, { minLength: 1, maxLength: 3 }).map((ls) => [...ls, { type: 'dense', units: 2, activation: 'softmax' }]),
  loss: fc.constant('categoricalCrossentropy'),
});
const convSpec = fc.record({
  input: fc.tuple(fc.integer({ min: 4, max: 12 }), fc.integer({ min: 4, max: 12 }), fc.integer({ min: 1, max: 3 })),
  layers: fc
    .record({ filters: fc.integer({ min: 1, max: 4 }), kernelSize: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))), strides: fc.integer({ min: 1, max: 2 }), padding: fc.constantFrom('valid', 'same', 1) })
    .map((c) => [{ type: 'conv2d', ...c }, { type: 'maxPool2d', poolSize: 2, padding: 'same' }, { type: 'flatten' }, { type: 'dense', units: 1 }]),
  loss: fc.constant('mse'),
});
const modelBody = fc.record({ name: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), trickyString), spec: fc.oneof(denseSpec, convSpec) });

const row2 = fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }));
const datasetBody = fc.oneof(
  fc.array(row2, { minLength: 1, maxLength: 6 }).chain((rows) =>
    fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), inputShape: fc.constant([2]), inputs: fc.constant(rows), labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rows.length, maxLength: rows.length }) }),
  ),
  fc.array(row2, { minLength: 1, maxLength: 6 }).map((rows) => ({ name: 'reg', inputShape: [2], inputs: rows, targets: rows.map((r) => r[0] + r[1]) })),
  fc.constant({ name: 'img', inputShape: [2, 2, 1], inputs: [[[[1], [2]], [[3], [4]]], [1, 2, 3, 4]], labels: [0, 1], classNames: ['a', 'b'] }),
);

function jobBody(f: Fixtures): fc.Arbitrary<unknown> {
  return fc.record(
    {
      modelId: fc.constantFrom(f.trained, f.untrained),
      datasetId: fc.constantFrom(f.dataset, f.regression),
      epochs: fc.integer({ min: 1, max: 5 }),
      batchSize: fc.integer({ min: 1, max: 64 }),
      optimizer: fc.oneof(
        fc.record({ type: fc.constant('adam'), learningRate: fc.double({ min: 1e-5, max: 1, noNaN: true }), beta1: fc.constant(0.9) }, { requiredKeys: ['type'] }),
        fc.record({ type: fc.constant('sgd'), learningRate: fc.double({ min: 1e-5, max: 1, noNaN: true }), momentum: fc.constant(0.5), nesterov: fc.boolean() }, { requiredKeys: ['type'] }),
      ),
      validationSplit: fc.constantFrom(0, 0.1, 0.5),
      seed: fc.nat({ max: 2 ** 32 - 1 }),
      shuffle: fc.boolean(),
      earlyStopping: fc.option(fc.record({ monitor: fc.constantFrom('loss', 'accuracy'), patience: fc.nat({ max: 5 }) })),
      checkpointEvery: fc.integer({ min: 1, max: 3 }),
      resumeFrom: fc.option(fc.constantFrom(f.checkpoint, MISSING_ID)),
    },
    { requiredKeys: ['modelId', 'datasetId', 'epochs'] },
  );
}

// ---------- the routes ----------

function routes(f: Fixtures) {
  const modelId = idArb([f.trained, f.untrained]);
  const anyId = idArb([f.trained, f.untrained, f.dataset, f.regression, f.checkpoint, f.finishedJob]);
  const foreignId = idArb([MISSING_ID]); // never a fixture: DELETE must not empty the fixtures
  const query = fc
    .dictionary(fc.constantFrom('limit', 'cursor', 'state', 'modelId', 'name', '__proto__', 'x'), fc.oneof(trickyString, fc.integer().map(String), fc.constantFrom('0', '1', '500', '501', '-1', 'queued', 'running')), { maxKeys: 3 })
    .map((q) => Object.entries(q).map(([k, v]) => `${k}=${encode(v)}`).join('&'));

  const weightsBytes = fc.oneof(
    fc.record({ flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), cut: fc.option(fc.nat()) }).map(({ flips, cut }) => {
      const bytes = Buffer.from(identityWeights());
      for (const [at, b] of flips) bytes[at % bytes.length] = b;
      return cut === null ? bytes : bytes.subarray(0, cut % bytes.length);
    }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  );
  const csvText = fc
    .record({
      header: fc.array(fc.oneof(fc.constantFrom('x', 'y', 'label', 'a,b', '"q"'), fc.string({ maxLength: 6 })), { minLength: 0, maxLength: 4 }),
      rows: fc.array(fc.array(fc.oneof(fc.double({ noNaN: true }).map(String), fc.integer({ min: 0, max: 3 }).map(String), trickyString, fc.string({ maxLength: 5 })), { maxLength: 4 }), { maxLength: 6 }),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
    })
    .map(({ header, rows, eol }) => [header, ...rows].map((r) => r.join(',')).join(eol));
  const npyPart = fc.oneof(
    fc.constant(npy('<f4', [2, 2], new Float32Array([1, 2, 3, 4]))),
    fc.constant(npy('<i4', [2], new Int32Array([0, 1]))),
    fc.constant(npy('>f8', [2, 1, 2, 1], new Float64Array(4))),
    fc.record({ at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }).map(({ at, b }) => {
      const bytes = npy('<f4', [2, 2], new Float32Array(4));
      bytes[at % bytes.length] = b;
      return bytes;
    }),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
  );

  return {
    'POST /v1/models': jsonPost(fc.constant('/v1/models'), modelBody),
    'POST /v1/datasets (JSON)': jsonPost(fc.constant('/v1/datasets'), datasetBody),
    'POST /v1/datasets (CSV)': fc
      .record({ text: csvText, q: fc.constantFrom('name=c&labelColumn=label', 'name=c&targetColumns=y', 'name=c&labelColumn=x&classNames=a,b', 'labelColumn=label', 'name=c') })
      .map(({ text, q }) => req('POST', `/v1/datasets?${q}`, text, 'text/csv')),
    'POST /v1/datasets (multipart)': fc
      .record({
        parts: fc.dictionary(fc.constantFrom('name', 'inputs', 'labels', 'targets', 'classNames', 'extra', '__proto__'), fc.oneof(npyPart, trickyString, fc.constant('["a","b"]')), { minKeys: 0, maxKeys: 4 }),
        cut: fc.option(fc.nat()),
      })
      .map(({ parts, cut }) => {
        const { body, contentType } = multipart(parts as Record<string, string | Buffer>);
        return req('POST', '/v1/datasets', cut === null ? body : body.subarray(0, cut % Math.max(1, body.length)), contentType);
      }),
    'POST /v1/models/:id/predict': jsonPost(
      modelId.map((id) => `/v1/models/${id}/predict`),
      fc.record({ instances: fc.array(row2, { minLength: 1, maxLength: 4 }), checkpoint: fc.constantFrom('latest', 'best', f.checkpoint) }, { requiredKeys: ['instances'] }),
    ),
    'POST /v2/models/:model/infer': jsonPost(
      fc.tuple(modelId, fc.option(fc.constantFrom('latest', 'best', f.checkpoint, 'a-label'))).map(([id, v]) => `/v2/models/${id}${v === null ? '' : `/versions/${v}`}/infer`),
      fc.array(row2, { minLength: 1, maxLength: 4 }).chain((rows) =>
        fc.record(
          {
            id: fc.string({ maxLength: 10 }),
            inputs: fc.record({
              name: fc.constant('input'),
              shape: fc.constant([rows.length, 2]),
              datatype: fc.constantFrom('FP32', 'FP64', 'INT32', 'UINT8', 'BOOL'),
              data: fc.constantFrom(rows, rows.flat()),
            }).map((input) => [input]),
            outputs: fc.subarray([{ name: 'output' }, { name: 'classes' }]),
            parameters: fc.dictionary(fc.string({ maxLength: 5 }), scalar, { maxKeys: 2 }),
          },
          { requiredKeys: ['inputs'] },
        ),
      ),
    ),
    'POST /v1/models/:id/evaluate': jsonPost(
      modelId.map((id) => `/v1/models/${id}/evaluate`),
      fc.record({ datasetId: fc.constantFrom(f.dataset, f.regression), checkpoint: fc.constantFrom('latest', 'best', f.checkpoint) }, { requiredKeys: ['datasetId'] }),
    ),
    'POST /v1/jobs': fc
      .record({ r: jsonPost(fc.constant('/v1/jobs'), jobBody(f)), key: fc.option(fc.oneof(trickyString, fc.string({ maxLength: 300 }))) })
      .map(({ r, key }) => (key === null ? r : { ...r, headers: { ...r.headers, 'idempotency-key': headerSafe(key) } })),
    'POST /v1/models/:id/checkpoints': fc
      .record({ id: modelId, bytes: weightsBytes, type: fc.oneof({ weight: 5, arbitrary: fc.constant('application/octet-stream') }, { weight: 1, arbitrary: jsonType }) })
      .map(({ id, bytes, type }) => req('POST', `/v1/models/${id}/checkpoints`, bytes, type)),
    'GET collections': fc
      .record({ path: fc.constantFrom('/v1/models', '/v1/datasets', '/v1/jobs', `/v1/models/${f.trained}/checkpoints`), q: query })
      .map(({ path, q }) => req('GET', `${path}?${q}`)),
    'GET one resource': fc
      .record({
        path: fc.constantFrom('/v1/models/:id', '/v1/datasets/:id', '/v1/jobs/:id', '/v1/models/:id/checkpoints', `/v1/models/${f.trained}/checkpoints/:id`, `/v1/models/${f.trained}/checkpoints/:id/weights`, '/v1/models/:id/checkpoints/:id'),
        id: anyId,
        id2: anyId,
      })
      .map(({ path, id, id2 }) => req('GET', path.replace(':id', id).replace(':id', id2))),
    'DELETE, cancel and events': fc
      .record({ op: fc.constantFrom('DELETE /v1/models/:id', 'DELETE /v1/datasets/:id', 'POST /v1/jobs/:id/cancel', 'GET /v1/jobs/:id/events'), id: foreignId, finished: fc.boolean() })
      .map(({ op, id, finished }) => {
        const [method, path] = op.split(' ');
        const target = finished && !op.startsWith('DELETE') ? f.finishedJob : id;
        return req(method as InjectOptions['method'], path.replace(':id', target));
      }),
    'any method, any path': fc
      .record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        segments: fc.array(fc.oneof(fc.constantFrom('v1', 'models', 'datasets', 'jobs', 'checkpoints', 'predict', 'weights', 'cancel', 'events'), anyId), { maxLength: 5 }),
        body: fc.option(hostileValue),
        type: jsonType,
      })
      .map(({ method, segments, body, type }) =>
        req(method, `/${segments.join('/')}`, body === null || method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(body) ?? 'null', type),
      ),
  } satisfies Record<string, fc.Arbitrary<InjectOptions>>;
}

/**
 * Runs per route: about 6,000 requests in all (some 15 s on one core). `accepts`: the route's
 * generator starts from valid bodies often enough that some requests must succeed (the fuzz reaches
 * past validation); the CSV, multipart, checkpoint-import and any-path generators damage nearly every
 * request, so they are held only to the refusals.
 */
const RUNS: Record<keyof ReturnType<typeof routes>, { runs: number; accepts: boolean }> = {
  'POST /v1/models': { runs: 800, accepts: true },
  'POST /v1/datasets (JSON)': { runs: 600, accepts: true },
  'POST /v1/datasets (CSV)': { runs: 400, accepts: false },
  'POST /v1/datasets (multipart)': { runs: 400, accepts: false },
  'POST /v1/models/:id/predict': { runs: 700, accepts: true },
  'POST /v2/models/:model/infer': { runs: 500, accepts: true },
  'POST /v1/models/:id/evaluate': { runs: 300, accepts: true },
  'POST /v1/jobs': { runs: 800, accepts: true },
  'POST /v1/models/:id/checkpoints': { runs: 400, accepts: false },
  'GET collections': { runs: 300, accepts: true },
  'GET one resource': { runs: 500, accepts: true },
  'DELETE, cancel and events': { runs: 300, accepts: true },
  'any method, any path': { runs: 500, accepts: false },
};

describe('fuzzing every route', () => {
  let t: HostileApp;
  let f: Fixtures;
  let prototypesBefore: Record<string, string[]>;

  beforeAll(async () => {
    prototypesBefore = prototypeKeys();
    t = await createHostileApp({ PREDICT_MAX_INSTANCES: '16', BODY_LIMIT_BYTES: String(256 * 1024), DATASET_BODY_LIMIT_BYTES: String(1024 * 1024) });
    const id = async (options: InjectOptions) => {
      const res = await t.app.inject(options);
      if (res.statusCode >= 300) throw new Error(`fixture ${options.url}: ${res.statusCode} ${res.body}`);
      return res.json().id as string;
    };
    const json = (url: string, body: unknown) => req('POST', url, JSON.stringify(body), 'application/json');
    const trained = await id(json('/v1/models', { name: 'trained', spec: identitySpec }));
    f = {
      trained,
      untrained: await id(json('/v1/models', { name: 'untrained', spec: identitySpec })),
      checkpoint: await id(req('POST', `/v1/models/${trained}/checkpoints`, Buffer.from(identityWeights()), 'application/octet-stream')),
      dataset: await id(json('/v1/datasets', { name: 'pairs', inputShape: [2], inputs: [[1, 2], [2, 1], [0, 3]], labels: [1, 0, 1] })),
      regression: await id(json('/v1/datasets', { name: 'sums', inputShape: [2], inputs: [[1, 2], [2, 1]], targets: [[3, 1], [3, 1]] })),
      finishedJob: '',
    };
    f.finishedJob = await id(json('/v1/jobs', { modelId: trained, datasetId: f.dataset, epochs: 1 }));
    await t.deps.queue.cancel(f.finishedJob);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Sends one generated request: never a 5xx or an undocumented status; every error in the one shape. */
  const check = async (options: InjectOptions, statuses: Map<number, number>) => {
    const res = await t.app.inject(options);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const what = `${options.method} ${String(options.url).slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
    // The root redirects to the dashboard (API.md's "Seeing it"): the one 3xx the service sends.
    const dashboardRedirect = options.url === '/' && res.statusCode === 302 && res.headers.location === '/ui/';
    if (!ALLOWED.has(res.statusCode) && !dashboardRedirect) throw new Error(`status outside the contract: ${what}`);
    if (res.statusCode >= 400 && options.method !== 'HEAD') {
      if (String(options.url).startsWith('/v2/')) assertOipErrorShape(res);
      else assertErrorShape(res);
    }
  };

  /** /v2 answers the Open Inference Protocol's own error body: exactly {"error": "<message>"}. */
  const assertOipErrorShape = (res: { statusCode: number; body: string }) => {
    const body = JSON.parse(res.body) as Record<string, unknown>;
    if (Object.keys(body).join() !== 'error' || typeof body.error !== 'string' || body.error.length === 0) {
      throw new Error(`not the protocol's error shape: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
  };

  /** After a route's fuzz: the app still answers and serves the fixture, and no prototype was polluted. */
  const expectUnharmed = async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const res = await t.app.inject(req('POST', `/v1/models/${f.trained}/predict`, JSON.stringify({ instances: [[5, 0], [0, 5]], checkpoint: f.checkpoint }), 'application/json'));
    expect(res.statusCode).toBe(200);
    expect(res.json().classes).toEqual([0, 1]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeKeys()).toEqual(prototypesBefore);
  };

  for (const [name, { runs: count, accepts }] of Object.entries(RUNS)) {
    it(`${name}: ${runs(count)} generated requests, never a 5xx, always the error shape; the app unharmed after them`, async () => {
      const statuses = new Map<number, number>();
      const arbitrary = routes(f)[name as keyof typeof RUNS];
      await fc.assert(fc.asyncProperty(arbitrary, (options) => check(options, statuses)), { seed: SEED, numRuns: runs(count), endOnFailure: false });
      const tally = JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
      const within = (lo: number, hi: number) => [...statuses].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
      expect(within(0, 600), tally).toBe(runs(count));
      // The fuzz exercised the refusals, and (for generators built from valid bodies) got past them too.
      expect(within(400, 500), tally).toBeGreaterThan(0);
      if (accepts) expect(within(200, 300), tally).toBeGreaterThan(0);
      await expectUnharmed();
    });
  }
});
