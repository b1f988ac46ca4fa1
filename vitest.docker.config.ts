import { defineConfig } from 'vitest/config';

// `npm run test:docker`: builds the image and runs the compose stack (needs a Docker engine; not part of npm test).
export default defineConfig({
  test: { include: ['test/**/*.docker.test.ts'], testTimeout: 900_000, hookTimeout: 2_400_000, fileParallelism: false },
});
