// Issue 10, findings 1 and 2, against the real compiled server started with a small heap
// (NODE_OPTIONS=--max-old-space-size=256): a JSON dataset body at DATASET_BODY_LIMIT_BYTES made of
// tiny items that expand 16-22x when parsed, and predicts on a model whose activations are ~49 MB per
// sample, answer in the error shape (or succeed), the process stays alive, and a job that was running
// before them still succeeds.

import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type Client, type ServiceProcess } from '../helpers/service-process.js';
import { separableData, tinySpec, waitFor } from '../helpers/training-fixtures.js';

const BODY_LIMIT = 64 * 1024 * 1024;

/** `{"name": "x", "inputShape": [...], "inputs": [item, item, ...]}` of exactly `bytes` bytes. */
function bodyOf(bytes: number, inputShape: number[], item: string, tail = ''): Buffer {
  const head = `{"name":"x","inputShape":${JSON.stringify(inputShape)},"inputs":[`;
  const end = `]${tail}}`;
  const items = Math.floor((bytes - head.length - end.length + 1) / (item.length + 1));
  // Exactly `bytes` long: commas between the items, spaces before the closing brackets make up the rest.
  const body = Buffer.alloc(bytes, ' ');
  body.fill(',', head.length, head.length + items * (item.length + 1) - 1);
  body.write(head, 0, 'latin1');
  for (let i = 0, at = head.length; i < items; i++, at += item.length + 1) body.write(item, at, 'latin1');
  body.write(end, body.length - end.length, 'latin1');
  return body;
}

function postEarlyAnswer(url: string, body: Buffer): Promise<{ status: number; body: { error: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error: Record<string, unknown> } }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err); // the server stopped reading: its answer still comes
    });
    req.end(body);
  });
}

describe('a small heap survives the largest requests', () => {
  let dataDir: string;
  let server: ServiceProcess & { baseUrl: string };
  let api: Client;
  let jobId: string;
  const rss = async (): Promise<number> => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    return Number(/^process_resident_memory_bytes (\S+)/m.exec(text)![1]);
  };
  const post = async (path: string, body: Buffer) => {
    const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> } };
  };
  const alive = async () => (await fetch(`${server.baseUrl}/healthz`)).status;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-small-heap-'));
    server = await startServer({
      DATA_DIR: dataDir, NODE_OPTIONS: '--max-old-space-size=256', DATASET_BODY_LIMIT_BYTES: String(BODY_LIMIT), PREDICT_MAX_BATCH_BYTES: String(8 * 1024 * 1024), PREDICT_THREADS: '1',
    });
    api = client(server.baseUrl);
    // A job that runs through every request below.
    const data = separableData(64);
    const dataset = await api.json('POST', '/v1/datasets', { name: 'sep', inputShape: [2], inputs: data.rows, labels: data.labelList });
    const model = await api.json('POST', '/v1/models', { name: 'tiny', spec: tinySpec });
    const job = await api.json('POST', '/v1/jobs', { modelId: model.body.id, datasetId: dataset.body.id, epochs: 4000, batchSize: 64, checkpointEvery: 1000 });
    jobId = job.body.id;
    await waitFor(() => api.json('GET', `/v1/jobs/${jobId}`).then((r) => r.body), (j) => j.state === 'running', 60_000);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a JSON body at the limit of empty objects: 400 in the error shape, the process alive', async () => {
    const res = await post('/v1/datasets', bodyOf(BODY_LIMIT, [1], '{}', ',"labels":[]'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: '/inputs/0' })] });
    expect(await alive()).toBe(200);
  });

  it('a JSON body at the limit of one-value [[[0]]] rows (8 bytes a sample, all parsed): 400 in the error shape, the process alive', async () => {
    // Valid rows all the way; without labels or targets it is refused only after every row was read.
    const res = await post('/v1/datasets', bodyOf(BODY_LIMIT, [1, 1, 1], '[[[0]]]'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', requestId: expect.any(String) });
    expect(await alive()).toBe(200);
  });

  it('a JSON body one byte over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    // The server answers as soon as Content-Length says too much and closes the connection: read the
    // answer with node:http, which keeps a response that arrives while the body is still being written.
    const res = await postEarlyAnswer(`${server.baseUrl}/v1/datasets`, bodyOf(BODY_LIMIT + 1, [1], '[0]', ',"labels":[]'));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('predict on a model with ~49 MB of activations per sample: chunked by the memory budget, RSS bounded, over-large batches 413', async () => {
    const spec = {
      input: [128, 128, 1],
      layers: [
        { type: 'conv2d', filters: 256, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', poolSize: 16 },
        { type: 'flatten' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    };
    const image = (v: number) => new Array(128 * 128).fill(v);
    const dataset = await api.json('POST', '/v1/datasets', { name: 'images', inputShape: [128, 128, 1], inputs: [image(0), image(1)], labels: [0, 1] });
    const model = await api.json('POST', '/v1/models', { name: 'wide-conv', spec });
    expect(model.status).toBe(201);
    const trained = await api.json('POST', '/v1/jobs', { modelId: model.body.id, datasetId: dataset.body.id, epochs: 1, batchSize: 1 });
    await waitFor(() => api.json('GET', `/v1/jobs/${trained.body.id}`).then((r) => r.body), (j) => j.state === 'succeeded' || j.state === 'failed', 120_000);
    const before = await rss();
    // 32 instances in one request: unchunked this is 32 x 49 MB = 1.6 GB of activations in the predict thread.
    const instances = Array.from({ length: 32 }, (_, i) => image(i % 2));
    const res = await api.json('POST', `/v1/models/${model.body.id}/predict`, { instances });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toHaveLength(32);
    const grown = (await rss()) - before;
    // The budget (PREDICT_MAX_ACTIVATION_BYTES, 128 MiB by default) bounds what the thread allocates.
    expect(grown).toBeLessThan(400 * 1024 * 1024);
    // A batch whose inputs and outputs pass PREDICT_MAX_BATCH_BYTES (8 MiB here): 413 before any work.
    const big = await api.json('POST', `/v1/models/${model.body.id}/predict`, { instances: Array.from({ length: 200 }, () => image(0)) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'BATCH_TOO_LARGE', details: [expect.objectContaining({ path: '/instances' })] });
    expect(await alive()).toBe(200);
  });

  it('the job that was running before all this succeeds, and the process never restarted', async () => {
    const done = await waitFor(() => api.json('GET', `/v1/jobs/${jobId}`).then((r) => r.body), (j) => j.state !== 'running' && j.state !== 'queued', 240_000);
    expect(done.state).toBe('succeeded');
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/heap limit|JavaScript heap out of memory/);
  });
});
