// loadConfig: defaults, mode-dependent HOST, parsing of lists and booleans, and errors that name the
// offending variable.

import { describe, expect, it } from 'vitest';
import { assertApiAccessConfigured, ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the contract defaults in embedded mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ mode: 'embedded', port: 8080, host: '127.0.0.1', dataDir: './data', redisUrl: null, apiKeys: [], logLevel: 'info' });
    expect(config.datasetBodyLimitBytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
  });

  it('reads lists, booleans and numbers; empty values mean unset', () => {
    const config = loadConfig({ API_KEYS: ' a, b ,,', PORT: '9000', ALLOW_ANONYMOUS: 'true', REDIS_URL: 'redis://r:6379', HOST: '' });
    expect(config).toMatchObject({ apiKeys: ['a', 'b'], port: 9000, allowAnonymous: true, mode: 'distributed', host: '0.0.0.0' });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ PREDICT_MAX_INSTANCES: '0' })).toThrow(/PREDICT_MAX_INSTANCES/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(ConfigError);
  });

  it('the API refuses distributed mode without API keys unless ALLOW_ANONYMOUS; workers need none', () => {
    const keyless = loadConfig({ REDIS_URL: 'redis://localhost:6379' });
    expect(keyless.mode).toBe('distributed');
    expect(() => assertApiAccessConfigured(keyless)).toThrow(/API_KEYS/);
    expect(() => assertApiAccessConfigured(loadConfig({ REDIS_URL: 'redis://localhost:6379', API_KEYS: 'k' }))).not.toThrow();
    expect(() => assertApiAccessConfigured(loadConfig({ REDIS_URL: 'redis://localhost:6379', ALLOW_ANONYMOUS: 'true' }))).not.toThrow();
    expect(() => assertApiAccessConfigured(loadConfig({}))).not.toThrow();
  });
});
