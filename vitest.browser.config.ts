import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the dashboard in Debian's Chromium against the compiled server (one file at
// a time: each run starts its own server and browser on a 2-core machine).
export default defineConfig({
  test: { include: ['test/**/*.browser.test.ts'], testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false },
});
