import { defineConfig } from 'vitest/config';

// `npm test`: the fast suite. Slow (real-data training), fault-injection and browser suites have their own configs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts', 'test/**/*.faults.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
