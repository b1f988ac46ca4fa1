// The values of NN_KERNEL, in a module of their own: training and predict threads read NN_KERNEL at
// start (select-kernel.ts) and must not load config.ts with its zod schema for that. A thread's heap
// may be capped at a few MiB (TRAINING_THREAD_MAX_OLD_GEN_MB), and zod alone would take a good part.
export const KERNEL_CHOICES = ['auto', 'wasm', 'native'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
