// No Docker engine runs where these tests run, so the container files are checked statically: the
// compose file parses and wires redis (durable, never evicting), api and a scalable worker to one data
// volume; the Dockerfile is multi-stage, runs as non-root, has a healthcheck and copies what the build needs.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFile(new URL(`../${path}`, import.meta.url), 'utf8');

describe('container files', () => {
  it('docker-compose.yml: redis with AOF and noeviction, api and worker sharing the data volume', async () => {
    const compose = parse(await read('docker/docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
    const { redis, api, worker } = compose.services;
    expect((redis.command as string[]).join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    for (const service of [api, worker]) {
      expect(service.volumes).toContain('nn-data:/data');
      expect((service.environment as Record<string, string>).REDIS_URL).toBe('redis://redis:6379');
    }
    expect((api.environment as Record<string, string>).API_KEYS).toMatch(/API_KEYS/);
    expect(worker.command).toEqual(['node', 'dist/worker.js']);
    expect(worker.ports).toBeUndefined(); // scalable: no fixed host port
  });

  it('Dockerfile: multi-stage, non-root, healthcheck, and the build inputs copied', async () => {
    const dockerfile = await read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    for (const input of ['assembly', 'scripts', 'src', 'web']) expect(dockerfile).toMatch(new RegExp(`^COPY ${input} `, 'm'));
    expect(dockerfile).toMatch(/^COPY .*tsconfig\.build\.json/m);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
  });
});
