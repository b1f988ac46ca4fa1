// Cheap checks of the container files that run with npm test everywhere; the image is built and the
// compose stack run for real by `npm run test:docker` (test/docker/compose-stack.docker.test.ts). These
// cover what that run would not notice or notices late: Redis durability settings, the build context
// allowlist, and the base images the Docker test makes stand-ins for.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFile(new URL(`../${path}`, import.meta.url), 'utf8');

describe('container files', () => {
  it('docker-compose.yml: redis with AOF and noeviction, api and worker sharing the data volume', async () => {
    const compose = parse(await read('docker/docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
    const { redis, api, worker } = compose.services;
    // A Redis restart without AOF can still pass the Docker test (Redis saves an RDB on SIGTERM); a crash would lose jobs.
    expect((redis.command as string[]).join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    for (const service of [api, worker]) {
      expect(service.volumes).toContain('nn-data:/data');
      expect((service.environment as Record<string, string>).REDIS_URL).toBe('redis://redis:6379');
    }
    expect((api.environment as Record<string, string>).API_KEYS).toMatch(/API_KEYS:\?/); // refuses to start without keys
    expect(worker.command).toEqual(['node', 'dist/worker.js']);
    expect(worker.ports).toBeUndefined(); // scalable: no fixed host port
  });

  it('.dockerignore lets into the build context exactly what the Dockerfile copies', async () => {
    const dockerfile = await read('Dockerfile');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1));
    const ignore = (await read('.dockerignore')).split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(new Set(ignore.slice(1).map((line) => line.replace(/^!/, '')))).toEqual(new Set(copied));
  });

  it('the Docker test makes stand-ins for exactly the base images the Dockerfile and compose file name', async () => {
    const prepare = await read('test/docker/stand-in/prepare.sh');
    const standIn = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(prepare)?.[1];
    const bases = [...(await read('Dockerfile')).matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(new Set(bases)).toEqual(new Set([standIn('NODE_IMAGE')]));
    const compose = parse(await read('docker/docker-compose.yml')) as { services: Record<string, { image: string }> };
    expect(compose.services.redis.image).toBe(standIn('REDIS_IMAGE'));
  });
});
