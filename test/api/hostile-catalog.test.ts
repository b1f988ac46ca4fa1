// A catalog of hostile requests against every resource (datasets, models, jobs, predict, evaluate,
// checkpoints): each gets its documented 4xx in the one error shape, `details` naming the field where
// there is one, and leaves DATA_DIR, the job store and the queue exactly as they were. Then the fields
// that look like URLs or code: stored verbatim as data, never fetched, never executed.

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/engine/index.js';
import { assertErrorShape, createHostileApp, prototypeKeys, snapshotService, type HostileApp } from '../helpers/hostile-app.js';
import { multipart, npy } from '../helpers/npy.js';
import { identitySpec, identityWeights, MISSING_ID } from '../helpers/test-app.js';

const BODY_LIMIT = 64 * 1024;
const DATASET_BODY_LIMIT = 256 * 1024;
const PREDICT_MAX_INSTANCES = 8;

interface Fixtures {
  /** identitySpec with an imported checkpoint. */
  trained: string;
  trainedCheckpoint: string;
  /** identitySpec, never trained. */
  untrained: string;
  /** [2] inputs, labels 0/1. */
  dataset: string;
  /** [3] inputs: fits no model here. */
  wideDataset: string;
  /** [28, 28, 1] conv model (~300 KB of activations per sample) and a fitting [784] dataset. */
  conv: string;
  images: string;
  /** A cancelled job. */
  finishedJob: string;
}

interface HostileCase {
  name: string;
  req: (f: Fixtures) => InjectOptions;
  status: number;
  /** Exact code, or a pattern (`/_NOT_FOUND$/`). */
  code: string | RegExp;
  /** A JSON pointer `details` must name (exactly, or by pattern). */
  detail?: string | RegExp;
}

const deep = (levels: number, inner = '1'): string => '['.repeat(levels) + inner + ']'.repeat(levels);

const raw = (method: InjectOptions['method'], url: string, payload: string | Buffer, contentType = 'application/json'): InjectOptions => ({
  method,
  url,
  payload,
  headers: contentType === '' ? {} : { 'content-type': contentType },
});
const post = (url: string, body: unknown): InjectOptions => raw('POST', url, JSON.stringify(body));
const get = (url: string): InjectOptions => ({ method: 'GET', url });
const octets = (url: string, bytes: Uint8Array): InjectOptions => raw('POST', url, Buffer.from(bytes), 'application/octet-stream');
const form = (url: string, parts: Record<string, string | Buffer>): InjectOptions => {
  const { body, contentType } = multipart(parts);
  return raw('POST', url, body, contentType);
};

const model = (spec: unknown, name = 'hostile') => post('/v1/models', { name, spec });
const dense = (layer: Record<string, unknown>) => ({ input: [4], layers: [{ type: 'dense', units: 2, ...layer }], loss: 'mse' });
const conv = (layer: Record<string, unknown>) => ({
  input: [8, 8, 1],
  layers: [{ type: 'conv2d', filters: 2, kernelSize: 3, ...layer }, { type: 'flatten' }, { type: 'dense', units: 1 }],
  loss: 'mse',
});
const jsonDataset = (body: Record<string, unknown>) => post('/v1/datasets', { name: 'hostile', inputShape: [2], inputs: [[1, 2], [3, 4]], labels: [0, 1], ...body });
const job = (f: Fixtures, body: Record<string, unknown>) => post('/v1/jobs', { modelId: f.trained, datasetId: f.dataset, epochs: 1, ...body });
const predict = (id: string, body: unknown) => post(`/v1/models/${id}/predict`, body);
const csv = (text: string, query = 'name=c&labelColumn=label') => raw('POST', `/v1/datasets?${query}`, text, 'text/csv');

/** safetensors bytes with a hand-written header (dtypes and offsets the encoder would refuse to write). */
const rawSafetensors = (header: Record<string, unknown>, dataBytes: number): Uint8Array => {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 8);
  return out;
};
const weights = (tensors: [string, { dtype: 'F32' | 'F16' | 'I32'; shape: number[]; data: Float32Array | Int32Array | Uint16Array }][]) =>
  encodeSafetensors(tensors as Parameters<typeof encodeSafetensors>[0]);
const identityTensors = (w: number[], b = [0, 0]) =>
  weights([
    ['layers.0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(w) }],
    ['layers.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array(b) }],
  ]);

/** A well-formed .npy header over a data section that holds fewer bytes than the header promises. */
const lyingNpy = (shape: number[], actualValues: number) => {
  const honest = npy('<f4', [actualValues], new Float32Array(actualValues));
  const header = honest.subarray(0, honest.length - actualValues * 4).toString('latin1');
  const lied = header.replace(`(${actualValues},)`, `(${shape.join(', ')})`.padEnd(`(${actualValues},)`.length, ' '));
  return Buffer.concat([Buffer.from(lied, 'latin1'), Buffer.from(new Float32Array(actualValues).buffer)]);
};

const CASES: HostileCase[] = [
  // Bodies over the limits
  { name: 'model body over the JSON body limit', req: () => model(identitySpec, 'x'.repeat(BODY_LIMIT)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'dataset body over the dataset body limit', req: () => jsonDataset({ inputs: Array.from({ length: 40_000 }, () => [1.25, 2.5]), labels: Array(40_000).fill(0) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'predict body over the JSON body limit', req: (f) => predict(f.trained, { instances: [[1, 2]], checkpoint: 'x'.repeat(BODY_LIMIT) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'checkpoint upload over the limit', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, new Uint8Array(DATASET_BODY_LIMIT + 1)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'CSV upload over the limit', req: () => csv(`x,label\n${'1.5,0\n'.repeat(DATASET_BODY_LIMIT / 5)}`), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'multipart with more files than allowed', req: () => form('/v1/datasets', { name: 'd', inputs: npy('<f4', [1, 2], new Float32Array(2)), labels: npy('<i4', [1], new Int32Array(1)), targets: npy('<f4', [1], new Float32Array(1)) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'NPY upload over the limit', req: () => form('/v1/datasets', { name: 'big', inputs: npy('<f4', [DATASET_BODY_LIMIT / 8, 2], new Float32Array(DATASET_BODY_LIMIT / 4)) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },

  // Broken JSON
  { name: 'truncated JSON', req: () => raw('POST', '/v1/models', '{"name": "m", "spec": {"input": [2], "layers": [{"type": "dense"'), status: 400, code: 'INVALID_JSON' },
  { name: 'empty JSON body', req: () => raw('POST', '/v1/models', ''), status: 400, code: 'INVALID_JSON' },
  { name: 'whitespace-only JSON body', req: (f) => raw('POST', `/v1/models/${f.trained}/predict`, '   \n '), status: 400, code: 'INVALID_JSON' },
  {
    name: 'invalid UTF-8 inside a JSON string',
    req: () => raw('POST', '/v1/models', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(`", "spec": ${JSON.stringify(identitySpec)}}`)])),
    status: 400,
    code: 'INVALID_JSON',
  },
  { name: 'UTF-16 bytes sent as JSON', req: () => raw('POST', '/v1/models', Buffer.from(`{"name": "m", "spec": ${JSON.stringify(identitySpec)}}`, 'utf16le')), status: 400, code: 'INVALID_JSON' },
  { name: 'body shorter than its content-length', req: () => ({ ...raw('POST', '/v1/models', '{"name": "m"'), headers: { 'content-type': 'application/json', 'content-length': '400' } }), status: 400, code: /^(INVALID_JSON|VALIDATION_ERROR)$/ },
  { name: 'JSON null body', req: () => raw('POST', '/v1/jobs', 'null'), status: 400, code: 'VALIDATION_ERROR', detail: '/' },
  { name: 'JSON array body', req: () => raw('POST', '/v1/datasets', '[1, 2, 3]'), status: 400, code: 'VALIDATION_ERROR', detail: '/' },

  // Prototype poisoning
  { name: '__proto__ key at the top of a model', req: () => raw('POST', '/v1/models', `{"__proto__": {"polluted": true}, "name": "m", "spec": ${JSON.stringify(identitySpec)}}`), status: 400, code: 'INVALID_JSON' },
  { name: '__proto__ key inside a layer', req: () => raw('POST', '/v1/models', '{"name": "m", "spec": {"input": [2], "layers": [{"type": "dense", "units": 2, "__proto__": {"polluted": true}}], "loss": "mse"}}'), status: 400, code: 'INVALID_JSON' },
  { name: 'constructor.prototype in a job body', req: (f) => raw('POST', '/v1/jobs', `{"modelId": "${f.trained}", "datasetId": "${f.dataset}", "epochs": 1, "constructor": {"prototype": {"polluted": true}}}`), status: 400, code: 'INVALID_JSON' },
  { name: 'constructor.prototype in a dataset row', req: () => raw('POST', '/v1/datasets', '{"name": "d", "inputShape": [2], "inputs": [{"constructor": {"prototype": {"polluted": 1}}}], "labels": [0]}'), status: 400, code: 'INVALID_JSON' },
  { name: 'prototype key in a spec', req: () => model({ ...identitySpec, prototype: { polluted: true } }), status: 422, code: 'SPEC_INVALID', detail: '/spec/prototype' },
  { name: 'prototype key in an optimizer', req: (f) => job(f, { optimizer: { type: 'adam', prototype: { polluted: true } } }), status: 422, code: 'CONFIG_INVALID', detail: /^\/optimizer/ },
  { name: '__proto__ multipart field', req: () => form('/v1/datasets', { ['__proto__']: 'x', name: 'd', inputs: npy('<f4', [1, 2], new Float32Array(2)) }), status: 400, code: /^(VALIDATION_ERROR|INVALID_MULTIPART)$/ },

  // Deep nesting
  { name: 'instances nested 10,000 deep', req: (f) => raw('POST', `/v1/models/${f.trained}/predict`, `{"instances": ${deep(10_000)}}`), status: 400, code: /^(VALIDATION_ERROR|INVALID_JSON)$/ },
  { name: 'dataset inputs nested 10,000 deep', req: () => raw('POST', '/v1/datasets', `{"name": "d", "inputShape": [2, 2, 1], "inputs": ${deep(10_000)}, "labels": [0]}`), status: 400, code: /^(VALIDATION_ERROR|INVALID_JSON)$/ },
  { name: 'spec input nested 10,000 deep', req: () => raw('POST', '/v1/models', `{"name": "m", "spec": {"input": ${deep(10_000)}, "layers": [{"type": "flatten"}], "loss": "mse"}}`), status: 400, code: /^(VALIDATION_ERROR|INVALID_JSON)$/ },
  { name: 'layer units nested 10,000 deep', req: () => raw('POST', '/v1/models', `{"name": "m", "spec": {"input": [2], "layers": [{"type": "dense", "units": ${deep(10_000)}}], "loss": "mse"}}`), status: 400, code: /^(VALIDATION_ERROR|INVALID_JSON)$/ },
  { name: 'optimizer nested 10,000 deep in objects', req: (f) => raw('POST', '/v1/jobs', `{"modelId": "${f.trained}", "datasetId": "${f.dataset}", "epochs": 1, "optimizer": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`), status: 400, code: /^(VALIDATION_ERROR|INVALID_JSON)$/ },

  // Numbers that are not numbers
  { name: 'NaN literal in instances', req: (f) => raw('POST', `/v1/models/${f.trained}/predict`, '{"instances": [[NaN, 1]]}'), status: 400, code: 'INVALID_JSON' },
  { name: 'Infinity literal in dataset inputs', req: () => raw('POST', '/v1/datasets', '{"name": "d", "inputShape": [2], "inputs": [[Infinity, 1]], "labels": [0]}'), status: 400, code: 'INVALID_JSON' },
  { name: '-Infinity literal in a learning rate', req: (f) => raw('POST', '/v1/jobs', `{"modelId": "${f.trained}", "datasetId": "${f.dataset}", "epochs": 1, "optimizer": {"type": "sgd", "learningRate": -Infinity}}`), status: 400, code: 'INVALID_JSON' },
  { name: '1e309 (Infinity after parsing) in instances', req: (f) => raw('POST', `/v1/models/${f.trained}/predict`, '{"instances": [[1e309, 1]]}'), status: 400, code: 'VALIDATION_ERROR', detail: '/instances/0/0' },
  { name: '-1e309 in dataset inputs', req: () => raw('POST', '/v1/datasets', '{"name": "d", "inputShape": [2], "inputs": [[1, 2], [-1e309, 1]], "labels": [0, 1]}'), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs/1/0' },
  { name: '1e39 in instances (finite, but Infinity as float32)', req: (f) => predict(f.trained, { instances: [[1, 2], [0, -1e39]] }), status: 400, code: 'VALIDATION_ERROR', detail: '/instances/1/1' },
  { name: '1e39 in dataset inputs (finite, but Infinity as float32)', req: () => jsonDataset({ inputs: [[1e39, 2], [3, 4]] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs/0/0' },
  { name: '1e309 in targets', req: () => raw('POST', '/v1/datasets', '{"name": "d", "inputShape": [2], "inputs": [[1, 2]], "targets": [1e309]}'), status: 400, code: 'VALIDATION_ERROR', detail: /^\/targets/ },
  { name: '1e309 epochs', req: (f) => raw('POST', '/v1/jobs', `{"modelId": "${f.trained}", "datasetId": "${f.dataset}", "epochs": 1e309}`), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: '1e309 learning rate', req: (f) => raw('POST', '/v1/jobs', `{"modelId": "${f.trained}", "datasetId": "${f.dataset}", "epochs": 1, "optimizer": {"type": "adam", "learningRate": 1e309}}`), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/learningRate' },
  { name: '1e309 units', req: () => raw('POST', '/v1/models', '{"name": "m", "spec": {"input": [2], "layers": [{"type": "dense", "units": 1e309}], "loss": "mse"}}'), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/units' },
  { name: 'numbers in strings: instances', req: (f) => predict(f.trained, { instances: [['1', '2']] }), status: 400, code: 'VALIDATION_ERROR', detail: '/instances/0/0' },
  { name: 'numbers in strings: dataset inputShape', req: () => jsonDataset({ inputShape: ['2'] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputShape/0' },
  { name: 'numbers in strings: labels', req: () => jsonDataset({ labels: ['0', '1'] }), status: 400, code: 'VALIDATION_ERROR', detail: '/labels/0' },
  { name: 'numbers in strings: epochs', req: (f) => job(f, { epochs: '10' }), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: 'numbers in strings: units', req: () => model(dense({ units: '8' })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/units' },
  { name: 'numbers in strings: learning rate', req: (f) => job(f, { optimizer: { type: 'adam', learningRate: '0.01' } }), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/learningRate' },

  // Rows and shapes
  { name: 'dataset rows of unequal length', req: () => jsonDataset({ inputs: [[1, 2], [3]] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs/1' },
  { name: 'dataset target rows of unequal length', req: () => jsonDataset({ labels: undefined, targets: [[1, 2], [3]] }), status: 400, code: 'VALIDATION_ERROR', detail: '/targets/1' },
  { name: 'dataset with zero rows', req: () => jsonDataset({ inputs: [], labels: [] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs' },
  { name: 'dataset with more labels than rows', req: () => jsonDataset({ labels: [0, 1, 1] }), status: 400, code: 'VALIDATION_ERROR', detail: '/labels' },
  { name: 'dataset label out of class range', req: () => jsonDataset({ labels: [0, 5], classNames: ['a', 'b'] }), status: 400, code: 'VALIDATION_ERROR', detail: '/labels/1' },
  { name: 'dataset inputShape [100000, 100000, 3] (rows x features over any cap)', req: () => jsonDataset({ inputShape: [100_000, 100_000, 3], inputs: [[1, 2, 3]], labels: [0] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs/0' },
  { name: 'dataset inputShape with four dimensions', req: () => jsonDataset({ inputShape: [2, 1, 1, 1] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputShape' },
  { name: 'dataset inputShape with a zero dimension', req: () => jsonDataset({ inputShape: [0], inputs: [[]], labels: [0] }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputShape/0' },
  { name: 'predict rows of unequal length', req: (f) => predict(f.trained, { instances: [[1, 2], [1]] }), status: 400, code: 'VALIDATION_ERROR', detail: '/instances/1' },
  { name: 'predict with a wrong nested shape', req: (f) => predict(f.trained, { instances: [[[1], [2]]] }), status: 400, code: 'VALIDATION_ERROR', detail: /^\/instances\/0/ },
  { name: 'predict with zero instances', req: (f) => predict(f.trained, { instances: [] }), status: 400, code: 'VALIDATION_ERROR', detail: '/instances' },
  { name: 'predict with too many instances', req: (f) => predict(f.trained, { instances: Array(PREDICT_MAX_INSTANCES + 1).fill([1, 2]) }), status: 413, code: 'BATCH_TOO_LARGE', detail: '/instances' },
  { name: 'predict an instance object', req: (f) => predict(f.trained, { instances: [{ x: 1, y: 2 }] }), status: 400, code: 'VALIDATION_ERROR', detail: '/instances/0' },
  { name: 'predict against a model with no checkpoint', req: (f) => predict(f.untrained, { instances: [[1, 2]] }), status: 409, code: 'MODEL_NOT_TRAINED' },
  { name: 'evaluate against a model with no checkpoint', req: (f) => post(`/v1/models/${f.untrained}/evaluate`, { datasetId: f.dataset }), status: 409, code: 'MODEL_NOT_TRAINED' },
  { name: 'evaluate on a dataset that does not fit', req: (f) => post(`/v1/models/${f.trained}/evaluate`, { datasetId: f.wideDataset }), status: 422, code: 'SHAPE_MISMATCH', detail: '/datasetId' },
  { name: 'job on a dataset that does not fit', req: (f) => job(f, { datasetId: f.wideDataset }), status: 422, code: 'SHAPE_MISMATCH', detail: '/datasetId' },

  // Caps before allocation
  { name: 'model input [100000, 100000, 3] (activation memory)', req: () => model({ input: [100_000, 100_000, 3], layers: [{ type: 'flatten' }], loss: 'mse' }), status: 422, code: 'LIMIT_EXCEEDED', detail: /^\/spec\/layers\/0/ },
  { name: 'parameters over the cap', req: () => model({ input: [100_000], layers: [{ type: 'dense', units: 100_000 }], loss: 'mse' }), status: 422, code: 'LIMIT_EXCEEDED', detail: /^\/spec\/layers\/0/ },
  { name: 'conv activations over the cap', req: () => model({ input: [1000, 1000, 3], layers: [{ type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same' }], loss: 'mse' }), status: 422, code: 'LIMIT_EXCEEDED', detail: /^\/spec\/layers\/0/ },
  { name: 'job batch activations over the cap', req: (f) => post('/v1/jobs', { modelId: f.conv, datasetId: f.images, epochs: 1, batchSize: 65_536 }), status: 422, code: 'LIMIT_EXCEEDED', detail: '/batchSize' },

  // Specs
  { name: 'unknown layer type', req: () => model({ input: [2], layers: [{ type: 'transformer', units: 2 }], loss: 'mse' }), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/type' },
  { name: 'unknown loss', req: () => model({ ...identitySpec, loss: 'hinge' }), status: 422, code: 'SPEC_INVALID', detail: '/spec/loss' },
  { name: 'extra key in a layer', req: () => model(dense({ dropout: 0.5 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/dropout' },
  { name: 'extra key in a model body', req: () => post('/v1/models', { name: 'm', spec: identitySpec, epochs: 3 }), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: 'extra key in a dataset body', req: () => jsonDataset({ labelz: [0, 1] }), status: 400, code: 'VALIDATION_ERROR', detail: '/labelz' },
  { name: 'extra key in a predict body', req: (f) => predict(f.trained, { instances: [[1, 2]], checkpiont: 'best' }), status: 400, code: 'VALIDATION_ERROR', detail: '/checkpiont' },
  { name: 'extra key in a job body', req: (f) => job(f, { epoch: 3 }), status: 400, code: 'VALIDATION_ERROR', detail: '/epoch' },
  { name: 'spec that is an array', req: () => post('/v1/models', { name: 'm', spec: [identitySpec] }), status: 400, code: 'VALIDATION_ERROR', detail: '/spec' },
  { name: 'empty model name', req: () => post('/v1/models', { name: '   ', spec: identitySpec }), status: 400, code: 'VALIDATION_ERROR', detail: '/name' },
  { name: 'zero units', req: () => model(dense({ units: 0 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/units' },
  { name: 'negative units', req: () => model(dense({ units: -4 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/units' },
  { name: 'fractional units', req: () => model(dense({ units: 2.5 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/units' },
  { name: 'enormous units', req: () => model(dense({ units: 1e15 })), status: 422, code: /^(SPEC_INVALID|LIMIT_EXCEEDED)$/, detail: /^\/spec\/layers\/0/ },
  { name: 'zero kernel', req: () => model(conv({ kernelSize: 0 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/kernelSize' },
  { name: 'negative kernel', req: () => model(conv({ kernelSize: [-3, 3] })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/kernelSize' },
  { name: 'fractional kernel', req: () => model(conv({ kernelSize: 1.5 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/kernelSize' },
  { name: 'kernel larger than the input', req: () => model(conv({ kernelSize: 9 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/kernelSize' },
  { name: 'enormous kernel', req: () => model(conv({ kernelSize: 1e9 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/kernelSize' },
  { name: 'zero stride', req: () => model(conv({ strides: 0 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/strides' },
  { name: 'negative stride', req: () => model(conv({ strides: -1 })), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/strides' },
  { name: 'fractional pool stride', req: () => model({ input: [8, 8, 1], layers: [{ type: 'maxPool2d', poolSize: 2, strides: 0.5 }], loss: 'mse' }), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/strides' },
  { name: 'dropout rate 1', req: () => model({ input: [4], layers: [{ type: 'dropout', rate: 1 }, { type: 'dense', units: 1 }], loss: 'mse' }), status: 422, code: 'SPEC_INVALID', detail: '/spec/layers/0/rate' },
  { name: 'softmax loss without softmax', req: () => model({ input: [2], layers: [{ type: 'dense', units: 2 }], loss: 'categoricalCrossentropy' }), status: 422, code: 'SPEC_INVALID' },

  // Training settings
  { name: 'zero epochs', req: (f) => job(f, { epochs: 0 }), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: 'negative epochs', req: (f) => job(f, { epochs: -5 }), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: 'fractional epochs', req: (f) => job(f, { epochs: 1.5 }), status: 400, code: 'VALIDATION_ERROR', detail: '/epochs' },
  { name: 'enormous epochs (over MAX_EPOCHS)', req: (f) => job(f, { epochs: 1e12 }), status: 422, code: 'LIMIT_EXCEEDED', detail: '/epochs' },
  { name: 'zero batch size', req: (f) => job(f, { batchSize: 0 }), status: 400, code: 'VALIDATION_ERROR', detail: '/batchSize' },
  { name: 'fractional batch size', req: (f) => job(f, { batchSize: 0.5 }), status: 400, code: 'VALIDATION_ERROR', detail: '/batchSize' },
  { name: 'enormous batch size', req: (f) => job(f, { batchSize: 2 ** 40 }), status: 400, code: 'VALIDATION_ERROR', detail: '/batchSize' },
  { name: 'zero learning rate', req: (f) => job(f, { optimizer: { type: 'sgd', learningRate: 0 } }), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/learningRate' },
  { name: 'negative learning rate', req: (f) => job(f, { optimizer: { type: 'adam', learningRate: -0.01 } }), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/learningRate' },
  { name: 'enormous learning rate', req: (f) => job(f, { optimizer: { type: 'adam', learningRate: 1e300 } }), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/learningRate' },
  { name: 'unknown optimizer', req: (f) => job(f, { optimizer: { type: 'lbfgs' } }), status: 422, code: 'CONFIG_INVALID', detail: '/optimizer/type' },
  { name: 'validation split of 1', req: (f) => job(f, { validationSplit: 1 }), status: 400, code: 'VALIDATION_ERROR', detail: '/validationSplit' },
  { name: 'seed beyond 32 bits', req: (f) => job(f, { seed: 2 ** 32 }), status: 400, code: 'VALIDATION_ERROR', detail: '/seed' },
  { name: 'both validation split and dataset', req: (f) => job(f, { validationSplit: 0.2, validationDatasetId: f.dataset }), status: 400, code: 'VALIDATION_ERROR', detail: '/validationSplit' },
  { name: 'early stopping on valLoss without validation', req: (f) => job(f, { earlyStopping: { monitor: 'valLoss' } }), status: 422, code: 'CONFIG_INVALID', detail: '/earlyStopping/monitor' },
  { name: 'idempotency key over 255 characters', req: (f) => ({ ...job(f, {}), headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(300) } }), status: 400, code: 'VALIDATION_ERROR', detail: '/headers/idempotency-key' },

  // Ids
  { name: 'unknown model id', req: () => get(`/v1/models/${MISSING_ID}`), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'model id ../x (encoded slash)', req: () => get('/v1/models/..%2Fx'), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'dataset id %2e%2e%2f', req: () => get('/v1/datasets/%2e%2e%2f'), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: 'dataset id ..%2F..%2Fetc%2Fpasswd', req: () => get('/v1/datasets/..%2F..%2Fetc%2Fpasswd'), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: 'delete dataset by absolute path', req: () => ({ method: 'DELETE', url: '/v1/datasets/%2Fetc%2Fpasswd' }), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: 'delete model ../../models', req: () => ({ method: 'DELETE', url: '/v1/models/..%2F..%2Fmodels' }), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'job id with a NUL byte', req: () => get('/v1/jobs/abc%00.json'), status: 404, code: 'JOB_NOT_FOUND' },
  { name: 'cancel an unknown job', req: () => ({ method: 'POST', url: `/v1/jobs/${MISSING_ID}/cancel` }), status: 404, code: 'JOB_NOT_FOUND' },
  { name: 'events of a traversal job id', req: () => get('/v1/jobs/..%2F..%2Fjobs/events'), status: 404, code: 'JOB_NOT_FOUND' },
  { name: 'very long model id (10,000 characters)', req: () => get(`/v1/models/${'a'.repeat(10_000)}`), status: 404, code: /NOT_FOUND$/ },
  { name: 'very long checkpoint id', req: (f) => get(`/v1/models/${f.trained}/checkpoints/${'9'.repeat(5000)}/weights`), status: 404, code: /NOT_FOUND$/ },
  { name: 'id that is not valid percent-encoding', req: () => get('/v1/models/%ff%fe'), status: 404, code: /NOT_FOUND$/ },
  { name: 'checkpoint id of another form (uppercase UUID)', req: (f) => get(`/v1/models/${f.trained}/checkpoints/${f.trainedCheckpoint.toUpperCase()}`), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: 'job on an unknown model', req: (f) => job(f, { modelId: MISSING_ID }), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'job with datasetId ../x', req: (f) => job(f, { datasetId: '../x' }), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: 'job with an absolute-path validation dataset', req: (f) => job(f, { validationDatasetId: '/etc/passwd' }), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: 'job resuming from ../../checkpoints', req: (f) => job(f, { resumeFrom: '../../checkpoints' }), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: 'job with a model id of 20,000 characters', req: (f) => job(f, { modelId: 'm'.repeat(20_000) }), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'predict with checkpoint ../x', req: (f) => predict(f.trained, { instances: [[1, 2]], checkpoint: '../x' }), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: 'predict on a traversal model id', req: () => predict('..%2F..%2Fetc', { instances: [[1, 2]] }), status: 404, code: 'MODEL_NOT_FOUND' },
  { name: 'evaluate with datasetId %2e%2e%2f', req: (f) => post(`/v1/models/${f.trained}/evaluate`, { datasetId: '%2e%2e%2f' }), status: 404, code: 'DATASET_NOT_FOUND' },
  { name: "predict with another model's checkpoint id", req: (f) => predict(f.untrained, { instances: [[1, 2]], checkpoint: f.trainedCheckpoint }), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: "weights of another model's checkpoint", req: (f) => get(`/v1/models/${f.untrained}/checkpoints/${f.trainedCheckpoint}/weights`), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: "job resuming from another model's checkpoint", req: (f) => post('/v1/jobs', { modelId: f.untrained, datasetId: f.dataset, epochs: 1, resumeFrom: f.trainedCheckpoint }), status: 404, code: 'CHECKPOINT_NOT_FOUND' },
  { name: 'cancel a finished job', req: (f) => ({ method: 'POST', url: `/v1/jobs/${f.finishedJob}/cancel` }), status: 409, code: 'JOB_FINISHED' },
  { name: 'list with limit 0', req: () => get('/v1/models?limit=0'), status: 400, code: 'VALIDATION_ERROR', detail: '/query/limit' },
  { name: 'list with limit 501', req: () => get('/v1/datasets?limit=501'), status: 400, code: 'VALIDATION_ERROR', detail: '/query/limit' },
  { name: 'list with limit 1e309', req: () => get('/v1/jobs?limit=1e309'), status: 400, code: 'VALIDATION_ERROR', detail: '/query/limit' },
  { name: 'list jobs in an unknown state', req: () => get('/v1/jobs?state=exploded'), status: 400, code: 'VALIDATION_ERROR', detail: '/query/state' },

  // Weights
  { name: 'weights with wrong names', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, weights([['dense.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }], ['dense.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) }]])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights with wrong shapes', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, weights([['layers.0.weight', { dtype: 'F32', shape: [4, 1], data: new Float32Array(4) }], ['layers.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) }]])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights with a wrong dtype', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, rawSafetensors({ 'layers.0.weight': { dtype: 'I32', shape: [2, 2], data_offsets: [0, 16] }, 'layers.0.bias': { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, 24)), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights with NaN', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, identityTensors([1, NaN, 0, 1])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights with Infinity', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, identityTensors([1, 0, 0, 1], [Infinity, 0])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights as float16', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, rawSafetensors({ 'layers.0.weight': { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] }, 'layers.0.bias': { dtype: 'F16', shape: [2], data_offsets: [8, 12] } }, 12)), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights whose offsets overlap', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, rawSafetensors({ 'layers.0.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, 'layers.0.bias': { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 16)), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights header with __proto__', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, rawSafetensors(JSON.parse('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}') as Record<string, unknown>, 4)), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights missing a tensor', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, weights([['layers.0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'weights with a header length past the end', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x7b, 0x7d])), status: 422, code: 'WEIGHTS_INVALID' },
  { name: 'empty weights body', req: (f) => octets(`/v1/models/${f.trained}/checkpoints`, new Uint8Array(0)), status: 422, code: 'WEIGHTS_INVALID' },

  // Content types and multipart
  { name: 'model as text/plain', req: () => raw('POST', '/v1/models', JSON.stringify({ name: 'm', spec: identitySpec }), 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'model as application/xml', req: () => raw('POST', '/v1/models', '<model/>', 'application/xml'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'job with no content type', req: (f) => raw('POST', '/v1/jobs', JSON.stringify({ modelId: f.trained, datasetId: f.dataset, epochs: 1 }), ''), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'predict as text/csv', req: (f) => raw('POST', `/v1/models/${f.trained}/predict`, '1,2\n', 'text/csv'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'dataset as form-urlencoded', req: () => raw('POST', '/v1/datasets', 'name=d&inputs=1', 'application/x-www-form-urlencoded'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'dataset as octet-stream', req: () => raw('POST', '/v1/datasets', Buffer.from([1, 2, 3]), 'application/octet-stream'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'weights as JSON', req: (f) => post(`/v1/models/${f.trained}/checkpoints`, { weights: [1, 2] }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'multipart without a boundary', req: () => raw('POST', '/v1/datasets', 'garbage', 'multipart/form-data'), status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart garbage', req: () => raw('POST', '/v1/datasets', Buffer.from('--b\r\nnot headers at all\r\n\r\n\u0000\u0001--b--'), 'multipart/form-data; boundary=b'), status: 400, code: /^(INVALID_MULTIPART|VALIDATION_ERROR)$/ },
  { name: 'multipart cut off mid-part', req: () => { const { body, contentType } = multipart({ name: 'd', inputs: npy('<f4', [2, 2], new Float32Array(4)) }); return raw('POST', '/v1/datasets', body.subarray(0, body.length - 30), contentType); }, status: 400, code: /^(INVALID_MULTIPART|VALIDATION_ERROR)$/ },
  { name: 'multipart with an unexpected part', req: () => form('/v1/datasets', { name: 'd', script: Buffer.from('#!/bin/sh') }), status: 400, code: 'VALIDATION_ERROR', detail: '/script' },
  { name: 'NPY with a lying header (shape bigger than the data)', req: () => form('/v1/datasets', { name: 'd', inputs: lyingNpy([100_000, 100_000, 3], 6), labels: npy('<i4', [2], new Int32Array(2)) }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs' },
  { name: 'NPY that is not NPY', req: () => form('/v1/datasets', { name: 'd', inputs: Buffer.from('PK\u0003\u0004 a zip file') }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs' },
  { name: 'NPY of Python objects', req: () => form('/v1/datasets', { name: 'd', inputs: Buffer.from(npy('<f4', [1, 2], new Float32Array(2)).toString('latin1').replace("'<f4'", "'|O8'"), 'latin1') }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs' },
  { name: 'NPY labels of another length', req: () => form('/v1/datasets', { name: 'd', inputs: npy('<f4', [3, 2], new Float32Array(6)), labels: npy('<i4', [2], new Int32Array(2)) }), status: 400, code: 'VALIDATION_ERROR', detail: '/labels' },
  { name: 'NPY inputs with NaN', req: () => form('/v1/datasets', { name: 'd', inputs: npy('<f4', [2, 2], new Float32Array([1, NaN, 2, 3])), labels: npy('<i4', [2], new Int32Array(2)) }), status: 400, code: 'VALIDATION_ERROR', detail: '/inputs/0' },

  // CSV
  { name: 'CSV with a non-numeric feature', req: () => csv('x,y,label\n1,2,0\n3,abc,1\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv/1/y' },
  { name: 'CSV with a row of fewer fields', req: () => csv('x,y,label\n1,2,0\n3,1\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv/1' },
  { name: 'CSV with an empty cell', req: () => csv('x,y,label\n1,,0\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv/0/y' },
  { name: 'CSV with Infinity', req: () => csv('x,y,label\n1,Infinity,0\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv/0/y' },
  { name: 'CSV with only a header', req: () => csv('x,y,label\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv' },
  { name: 'CSV with an unterminated quote', req: () => csv('x,y,label\n1,"2,0\n'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv' },
  { name: 'CSV without a name', req: () => csv('x,label\n1,0\n', 'labelColumn=label'), status: 400, code: 'VALIDATION_ERROR', detail: '/query/name' },
  { name: 'CSV naming a missing label column', req: () => csv('x,label\n1,0\n', 'name=c&labelColumn=..%2Fetc'), status: 400, code: 'VALIDATION_ERROR', detail: '/query' },
  { name: 'CSV with invalid UTF-8 in a text label', req: () => raw('POST', '/v1/datasets?name=c&labelColumn=label', Buffer.concat([Buffer.from('x,label\n1,cat\n2,d'), Buffer.from([0xff, 0xfe]), Buffer.from('g\n')]), 'text/csv'), status: 400, code: 'VALIDATION_ERROR', detail: '/csv' },
];

describe('hostile request catalog', () => {
  let t: HostileApp;
  let f: Fixtures;
  let prototypesBefore: Record<string, string[]>;

  beforeAll(async () => {
    prototypesBefore = prototypeKeys();
    t = await createHostileApp({
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      DATASET_BODY_LIMIT_BYTES: String(DATASET_BODY_LIMIT),
      PREDICT_MAX_INSTANCES: String(PREDICT_MAX_INSTANCES),
    });
    const created = async (req: InjectOptions, status: number) => {
      const res = await t.app.inject(req);
      if (res.statusCode !== status) throw new Error(`fixture ${req.url}: ${res.statusCode} ${res.body}`);
      return res.json().id as string;
    };
    const trained = await created(model(identitySpec, 'trained'), 201);
    const convSpec = { input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };
    f = {
      trained,
      trainedCheckpoint: await created(octets(`/v1/models/${trained}/checkpoints`, identityWeights()), 201),
      untrained: await created(model(identitySpec, 'untrained'), 201),
      dataset: await created(jsonDataset({ name: 'pairs' }), 201),
      wideDataset: await created(jsonDataset({ name: 'wide', inputShape: [3], inputs: [[1, 2, 3]], labels: [0] }), 201),
      conv: await created(model(convSpec, 'conv'), 201),
      images: await created(jsonDataset({ name: 'images', inputShape: [784], inputs: [Array(784).fill(0)], labels: [1] }), 201),
      finishedJob: '',
    };
    f.finishedJob = await created(job(f, {}), 202);
    await t.deps.queue.cancel(f.finishedJob);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('has at least 40 cases, each with a distinct name', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$status for $name; nothing stored, nothing queued; the app unharmed', async (c) => {
    const before = await snapshotService(t);
    const res = await t.app.inject(c.req(f));
    const body = assertErrorShape(res);
    const summary = `${res.statusCode} ${res.body.slice(0, 300)}`;
    expect(res.statusCode, summary).toBe(c.status);
    if (typeof c.code === 'string') expect(body.error.code, summary).toBe(c.code);
    else expect(body.error.code, summary).toMatch(c.code);
    if (c.detail !== undefined) {
      const paths = body.error.details.map((d) => d.path);
      const named = paths.some((p) => (typeof c.detail === 'string' ? p === c.detail : c.detail!.test(p)));
      expect(named, `details ${JSON.stringify(paths)} should name ${String(c.detail)}`).toBe(true);
    }
    expect(await snapshotService(t)).toEqual(before);
    // Unharmed: the built-in prototypes untouched, the app still answering and serving the fixtures.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeKeys()).toEqual(prototypesBefore);
    expect((await t.app.inject(get('/healthz'))).statusCode).toBe(200);
    const served = await t.app.inject(predict(f.trained, { instances: [[5, 0], [0, 5]], checkpoint: f.trainedCheckpoint }));
    expect(served.statusCode).toBe(200);
    expect(served.json().classes).toEqual([0, 1]);
  });
});

describe('fields that look like URLs or code are data', () => {
  let t: HostileApp;
  let listener: Server;
  let connections = 0;
  let url: string;
  const marker = () => join(t.dataDir, 'executed');

  beforeAll(async () => {
    listener = createServer((_req, res) => res.end('fetched'));
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/x`;
    t = await createHostileApp();
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  const code = () => [
    '${process.exit(1)}',
    "require('child_process').execSync('kill -9 ' + process.pid)",
    `require('fs').writeFileSync(${JSON.stringify(marker())}, 'x')`,
    '{{constructor.constructor("return process")().exit()}}',
    '=HYPERLINK("http://127.0.0.1/")',
    // Brackets and escaped quotes inside strings are text, not nesting (the JSON depth cap ignores them).
    `${'['.repeat(90)}\\"${'{'.repeat(90)}`,
  ];

  it('stores URL and code names and class names verbatim, never fetching or running them', async () => {
    const names = [url, `file://${marker()}`, ...code()];
    for (const name of names) {
      const res = await t.app.inject(post('/v1/datasets', { name, inputShape: [1], inputs: [[1], [2]], labels: [0, 1], classNames: [url, code()[2]] }));
      expect(res.statusCode, res.body).toBe(201);
      const stored = await t.app.inject(get(`/v1/datasets/${res.json().id}`));
      expect(stored.json()).toMatchObject({ name, classNames: [url, code()[2]] });
      const m = await t.app.inject(model(identitySpec, name));
      expect(m.statusCode, m.body).toBe(201);
      expect((await t.app.inject(get(`/v1/models/${m.json().id}`))).json().name).toBe(name);
    }
    const csvUpload = await t.app.inject(raw('POST', `/v1/datasets?name=${encodeURIComponent(url)}&labelColumn=label`, `x,label\n1,${url}\n2,"${code()[1].replace(/"/g, '""')}"\n`, 'text/csv'));
    expect(csvUpload.statusCode, csvUpload.body).toBe(201);
    expect(csvUpload.json()).toMatchObject({ name: url, classNames: [url, code()[1]].sort() });
    const npyUpload = await t.app.inject(form('/v1/datasets', { name: code()[0], classNames: `${url},${code()[3]}`, inputs: npy('<f4', [2, 1], new Float32Array([1, 2])), labels: npy('<i4', [2], new Int32Array([0, 1])) }));
    expect(npyUpload.statusCode, npyUpload.body).toBe(201);
    expect(npyUpload.json()).toMatchObject({ name: code()[0], classNames: [url, code()[3]] });
    expect(connections).toBe(0);
    expect(existsSync(marker())).toBe(false);
  });

  it('treats URL-like ids, checkpoints, layer types and idempotency keys as unknown data', async () => {
    const m = (await t.app.inject(model(identitySpec))).json().id as string;
    const d = (await t.app.inject(post('/v1/datasets', { name: 'd', inputShape: [2], inputs: [[1, 2]], labels: [0] }))).json().id as string;
    await t.app.inject(octets(`/v1/models/${m}/checkpoints`, identityWeights()));
    const refused = [
      [post(`/v1/models/${m}/predict`, { instances: [[1, 2]], checkpoint: url }), 404],
      [post(`/v1/models/${m}/evaluate`, { datasetId: url }), 404],
      [post('/v1/jobs', { modelId: m, datasetId: url, epochs: 1 }), 404],
      [post('/v1/jobs', { modelId: m, datasetId: d, epochs: 1, resumeFrom: url }), 404],
      [get(`/v1/models/${encodeURIComponent(url)}`), 404],
      [model({ input: [2], layers: [{ type: url }], loss: 'mse' }), 422],
      [model({ input: [2], layers: [{ type: 'dense', units: 2, activation: code()[0] }], loss: code()[1] }), 422],
    ] as const;
    for (const [req, status] of refused) {
      const res = await t.app.inject(req);
      assertErrorShape(res);
      expect(res.statusCode, `${req.url}: ${res.body}`).toBe(status);
    }
    const key = `${url}?${code()[0]}`;
    const submitted = await t.app.inject({ ...post('/v1/jobs', { modelId: m, datasetId: d, epochs: 1 }), headers: { 'content-type': 'application/json', 'idempotency-key': key } });
    expect(submitted.statusCode, submitted.body).toBe(202);
    const again = await t.app.inject({ ...post('/v1/jobs', { modelId: m, datasetId: d, epochs: 1 }), headers: { 'content-type': 'application/json', 'idempotency-key': key } });
    expect(again.json().id).toBe(submitted.json().id);
    expect(t.queue.enqueued).toEqual([submitted.json().id]);
    expect(connections).toBe(0);
    expect(existsSync(marker())).toBe(false);
  });
});

describe('malformed HTTP on a real socket', () => {
  let t: HostileApp;
  let port: number;

  beforeAll(async () => {
    t = await createHostileApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Sends raw bytes, returns the parsed response (status, lower-cased headers, body). */
  const send = (bytes: string) =>
    new Promise<{ statusCode: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
      const chunks: Buffer[] = [];
      socket.on('data', (d) => chunks.push(d));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [head, ...rest] = text.split('\r\n\r\n');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
      });
    });

  it.each([
    ['a content-length that is not a number', 'POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}', 400],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['a broken chunked body', 'POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['headers over the size limit', `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s gets the error shape (%i), and nothing is stored', async (_name, bytes, status) => {
    const before = await snapshotService(t);
    const res = await send(bytes);
    assertErrorShape(res);
    expect(res.statusCode).toBe(status);
    expect(await snapshotService(t)).toEqual(before);
    expect((await t.app.inject(get('/healthz'))).statusCode).toBe(200);
  });
});
