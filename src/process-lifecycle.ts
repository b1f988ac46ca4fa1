// What the API and worker processes share around their main(): configuration that exits with a
// message naming the bad variable, and a SIGTERM/SIGINT handler that closes gracefully within a
// deadline and otherwise exits non-zero.

import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { useConfiguredKernel } from './native/select-kernel.js';

/** Loads and checks the configuration; a ConfigError prints its message and exits 1. */
export function configOrExit(check: (config: Config) => void): Config {
  try {
    const config = loadConfig();
    check(config);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/** On the first SIGTERM/SIGINT runs `close`, then exits 0; exits 1 when it fails or outlasts `timeoutMs`. */
export function closeOnSignal(logger: Logger, timeoutMs: number, message: string, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, message);
    setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** Runs a process's main(), printing anything it throws and exiting 1. */
/**
 * Relaxed SIMD lets the engine's gemm fuse its multiply-adds (issue 11: about 1.4x on GEMM-bound work);
 * Node 20 accepts it only behind a V8 flag, which is process-wide (worker threads included) and must be
 * set before the engine compiles its module. WASM_RELAXED_SIMD=0 keeps the plain-SIMD build, whose
 * results are the same on every CPU. The engine detects what the runtime accepts and checkpoints record
 * the build that ran (`kernel`).
 */
export function enableWasmFeatures(env: NodeJS.ProcessEnv = process.env): void {
  if (env.WASM_RELAXED_SIMD !== '0') setFlagsFromString('--experimental-wasm-relaxed-simd');
}

export function runMain(main: () => Promise<void>): void {
  enableWasmFeatures();
  try {
    useConfiguredKernel(); // NN_KERNEL; threads started later select the same way
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
