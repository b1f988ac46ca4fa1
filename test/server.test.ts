// server.ts as a real process (compiled, from dist/): listens, answers, shuts down cleanly on
// SIGTERM; a bad environment variable stops it with a message naming the variable.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteKeys } from './helpers/redis.js';

const SERVER = join(import.meta.dirname, '..', 'dist', 'server.js');

/**
 * Load shedding off: these tests are about modes and keys, and a server started on a busy machine
 * can measure its own start-up as event-loop lag and shed its first requests (test/api/load-shedding.test.ts
 * covers shedding).
 */
const NO_SHEDDING = { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' };

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', ...NO_SHEDDING, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Server listening at (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`server exited: ${output}`));
    });
  });
  listening.catch(() => undefined); // tests that expect an exit never await it
  return { child, exited, listening, output: () => output };
}

describe('server process', () => {
  it('serves in embedded mode on 127.0.0.1 and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-server-'));
    const server = start({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      const base = await server.listening;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a bad variable, naming it', async () => {
    const server = start({ PORT: 'not-a-port' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/PORT/);
  });

  /** Starts the server in distributed mode with `env`, runs `check` against its base URL, expects a clean SIGTERM exit, cleans up. */
  async function withDistributedServer(env: Record<string, string>, check: (base: string) => Promise<void>): Promise<void> {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-server-'));
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `server-test-${process.pid}`;
    const server = start({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, ...env });
    try {
      await server.listening;
      const port = /Server listening at http:\/\/[\d.]+:(\d+)/.exec(server.output())?.[1];
      await check(`http://127.0.0.1:${port}`);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      await deleteKeys(redisUrl, prefix);
    }
  }

  // (That distributed mode defaults HOST to 0.0.0.0 is test/config.test.ts's.)
  it('in distributed mode requires the API key on /v1 (not on /healthz)', async () => {
    await withDistributedServer({ API_KEYS: 'secret' }, async (base) => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/v1/models`)).status).toBe(401);
      expect((await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer secret' } })).status).toBe(200);
    });
  });

  it('starts in distributed mode without keys only with ALLOW_ANONYMOUS=true', async () => {
    await withDistributedServer({ ALLOW_ANONYMOUS: 'true' }, async (base) => {
      expect((await fetch(`${base}/v1/models`)).status).toBe(200);
    });
  });

  it('refuses distributed mode without API_KEYS before touching Redis', async () => {
    const server = start({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/API_KEYS/);
  });
});
