// Security headers on every response (helmet), a CSP under which the Swagger UI at /docs still loads
// (its HTML references only same-origin scripts and styles, all served), and the CORS allowlist:
// no CORS headers without CORS_ORIGINS; with it, allowed origins only, preflight without an API key.

import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('security headers and CORS', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('sets helmet headers with a CSP that allows same-origin assets only', async () => {
    t = await createTestApp();
    for (const url of ['/v1/models', '/healthz', '/v1/nope']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
  });

  it('serves /docs whose every script, stylesheet and the spec it loads are same-origin and answer 200', async () => {
    t = await createTestApp();
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/); // Swagger UI sets inline styles
    expect(csp).toMatch(/img-src 'self' data:/); // and data: icons
    const html = page.body;
    // CSP forbids inline scripts: every <script> must have a src.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toMatch(/src="/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of [...assets, './json']) {
      expect(asset).not.toMatch(/^(https?:)?\/\//); // same origin only
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
    const initializer = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toMatch(/validatorUrl: null/); // no call to an outside validator
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'https://app.example' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.app.inject({ method: 'OPTIONS', url: '/v1/jobs', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the listed origins only, and answers preflight without an API key', async () => {
    t = await createTestApp({ CORS_ORIGINS: 'https://app.example, http://localhost:3000', API_KEYS: 'secret' });
    const auth = { authorization: 'Bearer secret' };
    const allowed = await t.app.inject({ method: 'GET', url: '/v1/models', headers: { ...auth, origin: 'https://app.example' } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(allowed.headers['access-control-expose-headers'])).toMatch(/retry-after/);
    expect(String(allowed.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
    const other = await t.app.inject({ method: 'GET', url: '/v1/models', headers: { ...auth, origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.app.inject({
      method: 'OPTIONS', url: '/v1/jobs',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const evilPreflight = await t.app.inject({ method: 'OPTIONS', url: '/v1/jobs', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
