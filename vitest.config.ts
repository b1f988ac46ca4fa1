// `npm test`: the fast suite. Slow (real-data training), fault-injection, browser and Docker suites have their own configs.
// globalSetup rebuilds dist/ when it is stale: threads and child processes run the compiled code.
// Kernel matrix: the whole suite runs on the plain-SIMD WebAssembly build; the engine and training
// tests (and serving's batch invariance) run again on the relaxed-SIMD build (fused multiply-add), in processes started with the flag
// Node 20 needs for it (test/helpers/kernel.ts selects the build from KERNEL).
import { defineConfig } from 'vitest/config';

const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

export default defineConfig({
  test: {
    // include is per project below: a project that extends this config would add to it, not replace it.
    exclude: ['test/**/*.slow.test.ts', 'test/**/*.faults.test.ts', 'test/**/*.docker.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/kernel-setup.ts'],
    // Hang detectors, not speed limits: generous enough for two suites sharing 2 busy cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'wasm-simd', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'wasm-relaxed-simd',
          include: ['test/engine/**/*.test.ts', 'test/training/**/*.test.ts', 'test/inference/batch-invariant.test.ts'],
          execArgv: [RELAXED_SIMD_FLAG],
          env: { KERNEL: 'wasm-relaxed-simd' },
        },
      },
    ],
  },
});
