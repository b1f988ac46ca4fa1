// Loads the optional native kernel addon (dist/native/nn_native.node, built by scripts/build-native.ts)
// for src/native/select-kernel.ts. The addon is an accelerator, never a requirement: every failure
// (not built, built for another platform or Node ABI, a broken file) comes back as a reason, not a throw.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { NativeBinding } from '../engine/index.js';
import { compiledFile } from '../compiled-path.js';

export type NativeLoad = { binding: NativeBinding; reason: null } | { binding: null; reason: string };

/** dist/native/nn_native.node: next to this file once compiled, or mapped there from src/ (tests). */
export const NATIVE_ADDON_PATH = compiledFile(import.meta.url, './nn_native.node');

let loaded: NativeLoad | undefined;

const EXPORTS: ReadonlyArray<keyof NativeBinding> = [
  'info', 'gemm', 'biasRelu', 'reluBackward', 'sumRows', 'im2col', 'col2im', 'im2colTransposed', 'maxPool', 'maxPoolBackward', 'adamStep', 'allFinite',
];

/** The addon's binding, loaded once per thread (a Node-API module loads in each thread that asks). */
export function loadNative(path = NATIVE_ADDON_PATH): NativeLoad {
  if (path === NATIVE_ADDON_PATH && loaded) return loaded;
  const result = tryLoad(path);
  if (path === NATIVE_ADDON_PATH) loaded = result;
  return result;
}

function tryLoad(path: string): NativeLoad {
  if (!existsSync(path)) return { binding: null, reason: `${path} does not exist (npm run build:native builds it; it needs a C compiler)` };
  try {
    const binding = createRequire(import.meta.url)(path) as NativeBinding;
    const missing = EXPORTS.filter((name) => typeof binding[name] !== 'function');
    if (missing.length > 0) return { binding: null, reason: `${path} lacks ${missing.join(', ')} (an addon older than this code: npm run build:native)` };
    return { binding, reason: null };
  } catch (err) {
    return { binding: null, reason: `${path} failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
