// The limit and access settings of src/config.ts: defaults, parsing, and errors naming the variable.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('limit and access configuration', () => {
  it('has generous defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      maxEpochs: 100_000, maxActiveJobsPerClient: 20, overloadMaxEventLoopDelayMs: 1000,
      rateLimits: { jobsPerMinute: 120, predictPerMinute: 6000 }, corsOrigins: [], trustProxy: false,
    });
  });

  it('parses CORS_ORIGINS and TRUST_PROXY lists, and 0 as "off" for limits', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://a.example, http://localhost:3000', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      RATE_LIMIT_JOBS_PER_MINUTE: '0', MAX_ACTIVE_JOBS_PER_CLIENT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config).toMatchObject({ rateLimits: { jobsPerMinute: 0 }, maxActiveJobsPerClient: 0, overloadMaxEventLoopDelayMs: 0 });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('names the variable on a bad value', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ MAX_EPOCHS: '0' })).toThrow(/MAX_EPOCHS/);
    expect(() => loadConfig({ RATE_LIMIT_PREDICT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PREDICT_PER_MINUTE/);
  });
});
