// The 503s that protect the process: OVERLOADED (+ Retry-After) while the event loop lags past
// OVERLOAD_MAX_EVENT_LOOP_DELAY_MS, with /healthz and /metrics exempt; and SHUTTING_DOWN, in the
// service's error shape, for a request that arrives on an open connection while the server closes.
// The event-loop delay is injected: the tests set it rather than stall the loop and hope the machine
// is otherwise idle. One test checks that by default it is under-pressure's measurement.

import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/training-fixtures.js';

describe('load shedding', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 503 OVERLOADED with Retry-After while the event-loop delay is over the limit, and serves again once it is not; /healthz and /metrics stay up', async () => {
    let delayMs = 0;
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '10' }, undefined, { eventLoopDelayMs: () => delayMs });
    const app = t.app;
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    delayMs = 10; // at the limit is not over it
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);

    delayMs = 250.4;
    const res = await app.inject({ method: 'GET', url: '/v1/models' });
    expectError(res.json(), 503, 'OVERLOADED', res.statusCode);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.message).toBe('the server is overloaded (event-loop delay 250 ms, limit 10 ms)');
    // Unknown routes are shed too; only the exempt ones answer.
    const unknown = await app.inject({ method: 'GET', url: '/v1/nothing' });
    expectError(unknown.json(), 503, 'OVERLOADED', unknown.statusCode);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);

    delayMs = 3;
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
  });

  it('does not shed load on a sample window with no reading (under-pressure reports Infinity, as at a busy start-up)', async () => {
    let delayMs = Infinity;
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '10' }, undefined, { eventLoopDelayMs: () => delayMs });
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    delayMs = NaN;
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    delayMs = 11;
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(503);
  });

  it('never sheds load when OVERLOAD_MAX_EVENT_LOOP_DELAY_MS is 0 (the delay is not even read)', async () => {
    const delay = vi.fn(() => 60_000);
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' }, undefined, { eventLoopDelayMs: delay });
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    expect(delay).not.toHaveBeenCalled();
  });

  it('by default reads the delay @fastify/under-pressure measures', async () => {
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '10' });
    const app = t.app;
    expect(app.memoryUsage().eventLoopDelay).toBeTypeOf('number'); // under-pressure is registered and sampling
    const measured = vi.spyOn(app, 'memoryUsage').mockReturnValue({ eventLoopDelay: 400, heapUsed: 0, rssBytes: 0, eventLoopUtilized: 0 });
    const res = await app.inject({ method: 'GET', url: '/v1/models' });
    expectError(res.json(), 503, 'OVERLOADED', res.statusCode);
    expect(res.json().error.message).toContain('event-loop delay 400 ms');
    measured.mockReturnValue({ eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, eventLoopUtilized: 0 });
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
  });

  it('answers a request that arrives while the server closes with 503 SHUTTING_DOWN in the error shape', async () => {
    t = await createTestApp();
    const app = t.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    let serverSide: Socket | undefined;
    app.server.once('connection', (socket: Socket) => (serverSide = socket));
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    // Half a request: once the server has read it, the connection is busy, so closing waits for it
    // instead of dropping it as idle.
    const head = 'GET /v1/models HTTP/1.1\r\nHost: localhost\r\n';
    socket.write(head);
    expect(await waitFor(async () => serverSide?.bytesRead ?? 0, (read) => read >= head.length)).toBe(head.length);
    const closing = app.close();
    // The listener closes after the preClose hooks ran, so from here the app knows it is closing.
    expect(await waitFor(async () => app.server.listening, (listening) => !listening)).toBe(false);
    socket.write('x-request-id: closing-test\r\n\r\n');
    await ended;
    await closing;
    const [status, body] = response.split('\r\n\r\n');
    expect(status).toMatch(/^HTTP\/1\.1 503/);
    expect(status).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(status).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(body)).toEqual({
      error: { code: 'SHUTTING_DOWN', message: expect.any(String), details: [], requestId: 'closing-test' },
    });
  });
});
