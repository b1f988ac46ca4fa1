// layers/no-cycle: no file may reach itself through its imports. Unlike import-x/no-cycle, which
// skips type-only imports by design, every edge counts (import type, export type, typeof import()).

import { readFileSync, statSync } from 'node:fs';
import { createNodeResolver } from 'eslint-plugin-import-x';
import ts from 'typescript';
import { RESOLVER_OPTIONS, repoRelative } from './import-layers.js';
import { moduleSources } from './module-sources.js';

const resolver = createNodeResolver(RESOLVER_OPTIONS);
/** Imports of files on disk, by path; an entry is reused while the file's mtime is unchanged. */
const importsCache = new Map();

/** Only relative imports can close a cycle in our tree; packages and node: built-ins are leaves. */
function resolveLocal(specifier, fromFile) {
  if (!specifier.startsWith('.')) return undefined;
  const resolved = resolver.resolve(specifier, fromFile);
  return resolved.found && resolved.path && !resolved.path.includes('/node_modules/') ? resolved.path : undefined;
}

function importsOf(file) {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return [];
  const cached = importsCache.get(file);
  if (cached?.mtimeMs === stat.mtimeMs) return cached.imports;
  // preProcessFile lists every module specifier, type-only ones included, without a full parse.
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const imports = [...new Set(importedFiles.map((f) => resolveLocal(f.fileName, file)).filter(Boolean))];
  importsCache.set(file, { mtimeMs: stat.mtimeMs, imports });
  return imports;
}

/** The shortest import path from `start` back to `target`, or undefined. */
function pathBack(start, target) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of importsOf(file)) {
      if (next === target) {
        const route = [file];
        for (let step = previous.get(file); step !== null; step = previous.get(step)) route.unshift(step);
        return route;
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles, type-only imports included' },
    schema: [],
    messages: { cycle: 'Import cycle: {{route}}. Move the shared part into a lower file.' },
  },
  create(context) {
    const self = context.physicalFilename;
    return moduleSources((node, specifier) => {
      const target = resolveLocal(specifier, self);
      if (target === undefined || target === self) return;
      const route = pathBack(target, self);
      if (route === undefined) return;
      const names = [self, ...route, self].map((file) => repoRelative(file));
      context.report({ node, messageId: 'cycle', data: { route: names.join(' -> ') } });
    });
  },
};
