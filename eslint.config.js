// Lint setup: typescript-eslint's recommended rules, plus the engine's no-I/O boundary.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**'] },
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
);
