// The 503s that protect the process: OVERLOADED (+ Retry-After) while the event loop lags past
// OVERLOAD_MAX_EVENT_LOOP_DELAY_MS, with /healthz and /metrics exempt; and SHUTTING_DOWN, in the
// service's error shape, for a request that arrives on an open connection while the server closes.

import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';

/** Blocks this thread (and so the app's event loop) for `ms`. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

describe('load shedding', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 503 OVERLOADED with Retry-After while the event loop lags, then recovers; /healthz and /metrics stay up', async () => {
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '10' });
    const app = t.app;
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    // One 2 s stall lifts the mean delay of the 1 s sample it falls in far past 10 ms.
    blockEventLoop(2_000);
    await sleep(30); // the overdue sampling timer runs first
    const res = await app.inject({ method: 'GET', url: '/v1/models' });
    expectError(res.json(), 503, 'OVERLOADED', res.statusCode);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.message).toMatch(/event-loop delay \d+ ms, limit 10 ms/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    // The next calm sample lifts it.
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) {
      await sleep(100);
      status = (await app.inject({ method: 'GET', url: '/v1/models' })).statusCode;
    }
    expect(status).toBe(200);
  });

  it('never sheds load when OVERLOAD_MAX_EVENT_LOOP_DELAY_MS is 0', async () => {
    t = await createTestApp({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' });
    blockEventLoop(1_200);
    await sleep(30);
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
  });

  it('answers a request that arrives while the server closes with 503 SHUTTING_DOWN in the error shape', async () => {
    t = await createTestApp();
    const app = t.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    // Half a request: the connection is busy, so closing waits for it instead of dropping it.
    socket.write('GET /v1/models HTTP/1.1\r\nHost: localhost\r\n');
    await sleep(100);
    const closing = app.close();
    await sleep(100);
    socket.write('x-request-id: closing-test\r\n\r\n');
    await ended;
    await closing;
    const [head, body] = response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(head).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(body)).toEqual({
      error: { code: 'SHUTTING_DOWN', message: expect.any(String), details: [], requestId: 'closing-test' },
    });
  });
});
