// Operations routes: /healthz, /readyz (including a failing check), /metrics, request ids, and the
// error shape for unknown routes.

import { chmod } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';

describe('operations routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('GET /healthz answers 200', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when storage and queue are fine', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { storage: 'ok', queue: 'ok' } });
  });

  it('GET /readyz answers 503 naming the queue when it does not answer', async () => {
    vi.spyOn(t.deps.queue, 'ping').mockRejectedValue(new Error('redis down'));
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expectError(res.json(), 503, 'NOT_READY', res.statusCode);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json().error.details).toEqual([{ path: '/checks/queue', message: 'redis down' }]);
  });

  it('GET /readyz answers 503 naming storage when DATA_DIR is not writable', async () => {
    if (process.getuid?.() === 0) {
      // root writes through chmod; simulate the failure at the storage boundary instead
      vi.spyOn(t.deps.storage, 'checkWritable').mockRejectedValue(new Error('EROFS: read-only file system'));
    } else {
      await chmod(t.dataDir, 0o500);
    }
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    await chmod(t.dataDir, 0o700);
    expectError(res.json(), 503, 'NOT_READY', res.statusCode);
    expect(res.json().error.details[0].path).toBe('/checks/storage');
  });

  it('GET /metrics serves Prometheus text with request latency', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/);
    expect(res.body).toContain('inference_duration_seconds');
    // The API thread's own heap is always there; worker pools report once their threads answer.
    expect(Number(/^thread_memory_bytes\{pool="main",kind="heap_used"\} (\S+)$/m.exec(res.body)?.[1])).toBeGreaterThan(0);
    expect(res.body).toMatch(/^thread_memory_bytes\{pool="training",kind="wasm_reserved"\} \d+$/m);
  });

  it('GET /metrics counts jobs by state from the job store', async () => {
    const { job } = await t.deps.jobs.create({ modelId: '11111111-1111-4111-8111-111111111111', datasetId: '22222222-2222-4222-8222-222222222222', config: { validationDatasetId: null } as never });
    await t.deps.jobs.update(job.id, (j) => ({ ...j, state: 'running', progress: { ...j.progress, samplesPerSecond: 123 } }));
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/training_jobs\{state="running"\} 1/);
    expect(res.body).toMatch(/training_jobs\{state="queued"\} 0/);
    expect(res.body).toMatch(/training_samples_per_second 123/);
  });

  it('echoes a sane x-request-id and generates one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const bad = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'has spaces and {braces}' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown routes answer 404 NOT_FOUND in the error shape, with the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: { 'x-request-id': 'abc' } });
    expectError(res.json(), 404, 'NOT_FOUND', res.statusCode);
    expect(res.json().error.requestId).toBe('abc');
  });

  it('serves openapi.yaml and the docs UI', async () => {
    const yaml = await t.app.inject({ method: 'GET', url: '/openapi.yaml' });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.headers['content-type']).toMatch(/yaml/);
    expect(yaml.body).toMatch(/^openapi: 3\.1/);
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.json().openapi).toBe('3.1.0');
  });
});
