// `npm run test:slow`: MNIST accuracy on real data and a 188 MB NPY upload (minutes, not seconds).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.slow.test.ts'], globalSetup: ['test/global-setup.ts'], testTimeout: 1_800_000, hookTimeout: 120_000 },
});
