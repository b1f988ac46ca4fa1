// openapi.yaml and the app must describe the same routes: this fails when a route is added, renamed
// or removed on one side only. It also checks that every $ref in the document resolves.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/api/plugins/docs.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Swagger UI's own asset routes under /docs/ and the dashboard's static files under /ui (one
 * wildcard route, documented as `/ui/`) are pages' plumbing, not API routes.
 */
const isPageAsset = (path: string) => path.startsWith('/docs/') || /^\/ui(\/|\*|$)/.test(path);

/** Rebuilds full paths from fastify's printRoutes tree (each line: indentation, segment, methods). */
function fastifyRoutes(tree: string): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3].split(',').map((m) => m.trim())) {
      if (method !== 'HEAD' && !isPageAsset(path)) routes.add(`${method} ${path}`);
    }
  }
  return routes;
}

describe('openapi.yaml', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  beforeAll(async () => {
    t = await createTestApp();
    doc = parse(await readFile(OPENAPI_PATH, 'utf8'));
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents exactly the routes the app registers', () => {
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) if (item[method] && !isPageAsset(path)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const registered = fastifyRoutes(t.app.printRoutes({ commonPrefix: false }));
    expect(registered.size).toBeGreaterThan(20);
    expect([...registered].filter((r) => !documented.has(r)), 'registered but not documented').toEqual([]);
    expect([...documented].filter((r) => !registered.has(r)), 'documented but not registered').toEqual([]);
  });

  it('resolves every $ref and gives every operation responses', () => {
    const unresolved: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value.slice(2).split('/').reduce<unknown>((n, part) => (n as Record<string, unknown> | undefined)?.[part], doc);
          if (target === undefined) unresolved.push(value);
        } else walk(value);
      }
    };
    walk(doc);
    expect(unresolved).toEqual([]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method] as { responses?: Record<string, unknown> } | undefined;
        if (op) expect(Object.keys(op.responses ?? {}), `${method} ${path}`).not.toHaveLength(0);
      }
    }
  });
});
