// Lint setup: typescript-eslint's recommended rules, the engine's no-I/O boundary, and the import
// rules of lint/: layers in one direction, no cycles (type-only imports count), engine purity.
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { inALayer } from './lint/in-a-layer.js';
import { LAYERS, layerZones, RESOLVER_OPTIONS, ROOT } from './lint/import-layers.js';
import { noCycle } from './lint/no-cycle.js';

export default tseslint.config(
  // test/lint-fixtures/ holds deliberate violations; test/lint/import-rules.test.ts lints them on purpose.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is a pure library: no node:* modules, no npm dependencies, no I/O.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.).*', message: 'src/engine imports only its own files (no node:*, no npm packages).' }] }],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', 'fetch'],
    },
  },
  {
    // Imports run one way (lint/import-layers.js). Zones compare resolved paths, so relative imports
    // are caught however many `../` they climb, and type-only imports count like any other.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX, layers: { rules: { 'no-cycle': noCycle, 'in-a-layer': inALayer } } },
    settings: { 'import-x/resolver-next': [createNodeResolver(RESOLVER_OPTIONS)] },
    rules: {
      'layers/no-cycle': 'error',
      'layers/in-a-layer': 'error',
      'import-x/no-restricted-paths': ['error', {
        basePath: ROOT,
        zones: [
          ...layerZones(),
          {
            target: ['src/engine/tensor.ts'],
            from: ['.'],
            message: 'src/engine/tensor.ts is the engine\'s lowest file: it imports nothing.',
          },
          {
            target: ['src/engine/kernels'],
            from: ['src/engine/layers'],
            message: 'Kernels sit below layers: what both need belongs in kernels/ or tensor.ts.',
          },
          {
            target: LAYERS.filter((layer) => layer.name !== 'engine').flatMap((layer) => layer.paths),
            from: ['src/engine'],
            except: ['./index.ts'],
            message: 'Outside src/engine, the engine is used through its public surface, src/engine/index.ts.',
          },
        ],
      }],
    },
  },
);
