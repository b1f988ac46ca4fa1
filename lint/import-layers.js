// The layers of src/ and the direction imports may run between them: the one definition that
// eslint.config.js turns into import-x/no-restricted-paths zones and scripts/import-graph.ts reports.

import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: zones and reports are relative to it, wherever eslint is started. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Top to bottom. A file may import its own layer and any layer of a lower rank; layers that share a
 * rank (training, inference, export) are siblings and import neither each other. Type-only imports count.
 * `paths` are folders or files relative to the repository root; every file of src/ is in one layer.
 */
export const LAYERS = [
  { name: 'main', rank: 6, paths: ['src/server.ts', 'src/worker.ts', 'src/process-lifecycle.ts'], about: 'the two processes and their lifecycle' },
  { name: 'api', rank: 5, paths: ['src/api'], about: 'HTTP: routes, schemas, plugins, presentation' },
  { name: 'queue', rank: 4, paths: ['src/queue'], about: 'the training queues (embedded, BullMQ) and their event logs' },
  { name: 'training', rank: 3, paths: ['src/training'], about: 'the job processor that runs in a training thread' },
  { name: 'inference', rank: 3, paths: ['src/inference'], about: 'checkpoint cache, predict pool and its threads' },
  { name: 'export', rank: 3, paths: ['src/export'], about: 'model formats for other runtimes (ONNX)' },
  { name: 'storage', rank: 2, paths: ['src/storage'], about: 'records and files under DATA_DIR' },
  { name: 'sweeps', rank: 1, paths: ['src/sweeps'], about: 'search spaces, seeded samplers, successive halving: pure logic' },
  { name: 'plots', rank: 1, paths: ['src/plots'], about: 'pure renderers: history -> SVG text' },
  { name: 'shared', rank: 1, paths: ['src/config.ts', 'src/errors.ts', 'src/compiled-path.ts', 'src/thread-memory.ts', 'src/native'], about: 'config, the error model, small helpers (thread memory figures, the native kernel\'s loader)' },
  { name: 'engine', rank: 0, paths: ['src/engine'], about: 'the pure neural-network library' },
];

export const LAYER_ORDER = 'main -> api -> queue -> training | inference | export -> storage -> shared (config, errors, helpers) | plots | sweeps -> engine';

/** Resolution the import rules and the audit share: TypeScript sources are imported by their `.js` names. */
export const RESOLVER_OPTIONS = { extensionAlias: { '.js': ['.ts', '.js'] } };

/** The layer of a path relative to the repository root (either separator), or undefined outside src/. */
export function layerOf(repoPath) {
  const path = repoPath.split(sep).join('/');
  return LAYERS.find((layer) => layer.paths.some((p) => path === p || path.startsWith(`${p}/`)));
}

/** The layers a file of `layer` must not import: those above it and its siblings. */
export function forbiddenFor(layer) {
  return LAYERS.filter((other) => other !== layer && other.rank >= layer.rank);
}

/**
 * import-x/no-restricted-paths zones, one per layer below main. The engine's is stricter than the
 * order: a pure library, it imports no file outside src/engine at all (nor npm packages, which
 * resolve into node_modules/; node: built-ins are refused by no-restricted-imports).
 */
export function layerZones() {
  return LAYERS.filter((layer) => layer.rank < LAYERS[0].rank).map((layer) =>
    layer.name === 'engine'
      ? {
        target: layer.paths,
        from: ['.'],
        except: layer.paths.map((p) => `./${p}`),
        message: 'src/engine is a pure library: it imports only its own files (no other layer, no package, nothing outside src/engine).',
      }
      : {
        target: layer.paths,
        from: forbiddenFor(layer).flatMap((other) => other.paths),
        message: `${layer.name} may import only ${lowerNames(layer)} (layer order: ${LAYER_ORDER}).`,
      });
}

function lowerNames(layer) {
  const names = [layer.name, ...LAYERS.filter((other) => other.rank < layer.rank).map((other) => other.name)];
  return names.join(', ');
}

/** A path relative to the repository root with forward slashes, for layerOf, messages and reports. */
export function repoRelative(absolutePath) {
  return relative(ROOT, absolutePath).split(sep).join('/');
}
