// `npm test`: the fast suite. Slow (real-data training), fault-injection, browser and Docker suites have their own configs.
// globalSetup rebuilds dist/ when it is stale: threads and child processes run the compiled code.
// Kernel matrix: the whole suite runs on the plain-SIMD WebAssembly build; the engine and training
// tests (and serving's batch invariance) run again on the relaxed-SIMD build (fused multiply-add), in processes started with the flag
// Node 20 needs for it (test/helpers/kernel.ts selects the build from KERNEL), and again on the native
// kernel where its optional addon was built (relaxed SIMD on too: its tests compare bits with that build).
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';
const KERNEL_SUITES = ['test/engine/**/*.test.ts', 'test/training/**/*.test.ts', 'test/inference/batch-invariant.test.ts'];
/** Built by scripts/build-native.ts when a C compiler is present; the native entry runs only then. */
const NATIVE_ADDON = new URL('./dist/native/nn_native.node', import.meta.url);

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
      // NN_KERNEL: the service's threads and child processes started by a test compute on the kernel
      // of its matrix entry, as the test process does (else auto could put them on the native addon).
      { extends: true, test: { name: 'wasm-simd', include: ['test/**/*.test.ts'], env: { NN_KERNEL: 'wasm' } } },
      {
        extends: true,
        test: {
          name: 'wasm-relaxed-simd',
          include: KERNEL_SUITES,
          execArgv: [RELAXED_SIMD_FLAG],
          env: { KERNEL: 'wasm-relaxed-simd', NN_KERNEL: 'wasm' },
        },
      },
      ...(existsSync(NATIVE_ADDON)
        ? [{ extends: true as const, test: { name: 'native', include: KERNEL_SUITES, execArgv: [RELAXED_SIMD_FLAG], env: { KERNEL: 'native', NN_KERNEL: 'native' } } }]
        : []),
    ],
  },
});
