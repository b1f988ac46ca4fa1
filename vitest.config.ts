import { defineConfig } from 'vitest/config';

// `npm test`: the fast suite. Slow (real-data training) and fault-injection suites have their own configs.
// globalSetup rebuilds dist/ when it is stale: threads and child processes run the compiled code.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts', 'test/**/*.faults.test.ts', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
