// server.ts as a real process (compiled, from dist/): listens, answers, shuts down cleanly on
// SIGTERM; a bad environment variable stops it with a message naming the variable.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteKeys } from './helpers/redis.js';

const SERVER = join(import.meta.dirname, '..', 'dist', 'server.js');

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

  // (That distributed mode defaults HOST to 0.0.0.0 is test/config.test.ts's.)
  it('in distributed mode requires the API key on /v1 (not on /healthz)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-server-'));
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const server = start({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', REDIS_URL: redisUrl, API_KEYS: 'secret', QUEUE_PREFIX: `server-test-${process.pid}` });
    try {
      await server.listening;
      const port = /Server listening at http:\/\/[\d.]+:(\d+)/.exec(server.output())?.[1];
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/v1/models`)).status).toBe(401);
      expect((await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer secret' } })).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      await deleteKeys(redisUrl, `server-test-${process.pid}`);
    }
  });

  it('starts in distributed mode without keys only with ALLOW_ANONYMOUS=true', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-server-'));
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const server = start({ PORT: '0', DATA_DIR: dataDir, REDIS_URL: redisUrl, ALLOW_ANONYMOUS: 'true', QUEUE_PREFIX: `server-test-${process.pid}` });
    try {
      await server.listening;
      const port = /Server listening at http:\/\/[\d.]+:(\d+)/.exec(server.output())?.[1];
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      await deleteKeys(redisUrl, `server-test-${process.pid}`);
    }
  });

  it('refuses distributed mode without API_KEYS before touching Redis', async () => {
    const server = start({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/API_KEYS/);
  });
});
