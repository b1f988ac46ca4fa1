// vitest setupFiles: every test file starts on the kernel build its matrix entry selects (test/helpers/kernel.ts).
import { useSimdKernel } from './helpers/kernel.js';

useSimdKernel();
