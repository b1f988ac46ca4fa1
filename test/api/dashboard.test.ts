// The dashboard's serving: `/` and `/ui` redirect to `/ui/`; index.html and every asset it names are
// same-origin files that answer 200 under a CSP with no inline or eval'd script; no key is needed to
// load them; a checkout that was never built says how to build. (test/web/*.browser.test.ts runs it.)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/api/plugins/dashboard.js';
import { errorHandlerPlugin } from '../../src/api/plugins/error-handler.js';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';

describe('dashboard files', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('redirects / and /ui to /ui/', async () => {
    t = await createTestApp();
    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const bare = await t.app.inject({ method: 'GET', url: '/ui' });
    expect([301, 302, 308]).toContain(bare.statusCode);
    expect(bare.headers.location).toBe('/ui/');
  });

  it('serves index.html and its same-origin assets under a CSP without inline or eval\'d scripts, with no key', async () => {
    t = await createTestApp({ API_KEYS: 'secret' });
    const page = await t.app.inject({ method: 'GET', url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    const scriptSrc = /script-src ([^;]*)/.exec(csp)![1];
    expect(scriptSrc).toBe("'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("connect-src 'self'");

    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/ui\/assets\/[^"]+\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(page.body).not.toMatch(/\son[a-z]+=/i); // no inline handlers
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((a) => !a.startsWith('data:'));
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/ui\/assets\//);
      const res = await t.app.inject({ method: 'GET', url: asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers['content-type']).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      if (asset.endsWith('.js')) expect(res.body).not.toMatch(/\beval\(|new Function\(/);
    }
    // The API itself still wants the key.
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(401);
  });

  it('an unknown file under /ui/ is a 404 in the error shape', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/ui/assets/nope.js' });
    expectError(res.json(), 404, 'NOT_FOUND', res.statusCode);
  });

  it('without a build, /ui/ says to run npm run build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'nn-web-'));
    const app = Fastify();
    await app.register(errorHandlerPlugin);
    await app.register(dashboardPlugin, { root: empty });
    const res = await app.inject({ method: 'GET', url: '/ui/' });
    expectError(res.json(), 404, 'NOT_FOUND', res.statusCode);
    expect(res.json().error.message).toContain('npm run build');
    expect((await app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/ui/');
    await app.close();
    await rm(empty, { recursive: true, force: true });
  });
});
