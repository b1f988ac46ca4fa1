// `npm test`: the fast suite. Slow (real-data training), fault-injection, browser and Docker suites have their own configs.
// globalSetup rebuilds dist/ when it is stale: threads and child processes run the compiled code.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts', 'test/**/*.faults.test.ts', 'test/**/*.docker.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Hang detectors, not speed limits: generous enough for two suites sharing 2 busy cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
