// `npm run test:faults`: the fault-injection suites, one file at a time: they start, kill and restart
// real processes and Redis servers, and must not compete with each other for the machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.faults.test.ts'], globalSetup: ['test/global-setup.ts'], testTimeout: 300_000, hookTimeout: 120_000, fileParallelism: false,
  },
});
