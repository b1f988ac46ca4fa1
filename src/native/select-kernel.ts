// NN_KERNEL: which kernel a process or thread of the service computes on. Every entry point (the API
// and worker processes' main threads, training threads, predict threads, BullMQ's sandboxed
// processors) calls useConfiguredKernel once at start, so all of them agree and checkpoints record
// what ran (the trainer stores getKernel().name).

import { createNativeKernel, setKernel, wasmRelaxedKernel, type MatMulKernel } from '../engine/index.js';
import { KERNEL_CHOICES, type KernelChoice } from './kernel-choice.js';
import { loadNative, type NativeLoad } from './load-native.js';

/**
 * auto: the native kernel when its addon loads and runs a vectorised gemm (its portable reference is
 * far slower than WebAssembly), else the WebAssembly kernel (the default); wasm: always WebAssembly;
 * native: the addon whatever its gemm, and an error naming the reason when it cannot load.
 */
export function chooseKernel(choice: KernelChoice, load: () => NativeLoad = loadNative): MatMulKernel {
  if (choice === 'wasm') return wasmRelaxedKernel;
  const { binding, reason } = load();
  if (choice === 'native') {
    if (!binding) throw new Error(`NN_KERNEL=native, but the native kernel cannot load: ${reason}`);
    return createNativeKernel(binding);
  }
  return binding && binding.info().gemm !== 'reference' ? createNativeKernel(binding) : wasmRelaxedKernel;
}

/** Reads NN_KERNEL (already validated by loadConfig in the process; threads inherit its environment). */
export function kernelChoice(env: NodeJS.ProcessEnv = process.env): KernelChoice {
  const value = env.NN_KERNEL || 'auto';
  if (!(KERNEL_CHOICES as readonly string[]).includes(value)) throw new Error(`NN_KERNEL must be one of ${KERNEL_CHOICES.join(', ')}, received ${value}`);
  return value as KernelChoice;
}

/** Selects this thread's kernel from NN_KERNEL and returns it. */
export function useConfiguredKernel(env: NodeJS.ProcessEnv = process.env): MatMulKernel {
  const kernel = chooseKernel(kernelChoice(env));
  setKernel(kernel);
  return kernel;
}
