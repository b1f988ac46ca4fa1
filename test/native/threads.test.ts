// NN_KERNEL in worker threads (training, predict and BullMQ threads all call useConfiguredKernel from
// compiled dist/): the addon loads in a thread as well as in the main one (a context-aware Node-API
// module), and every choice selects the kernel it names there. Where the addon was not built, native
// must refuse with the loader's reason and auto must fall back to WebAssembly.

import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledFile } from '../../src/compiled-path.js';
import { NATIVE_ADDON_PATH } from '../../src/native/load-native.js';

const selectKernel = pathToFileURL(compiledFile(new URL('../../src/native/select-kernel.ts', import.meta.url).href, './select-kernel.js')).href;
const engine = pathToFileURL(compiledFile(new URL('../../src/engine/index.ts', import.meta.url).href, './index.js')).href;

/** What a fresh thread reports after useConfiguredKernel(): the kernel's name and one product, or the error. */
function inThread(choice: string): Promise<{ name?: string; product?: number[]; error?: string }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      try {
        const { useConfiguredKernel } = await import(${JSON.stringify(selectKernel)});
        const { getKernel } = await import(${JSON.stringify(engine)});
        const kernel = useConfiguredKernel();
        const a = new Float32Array([1, 2, 3, 4]), c = new Float32Array(4);
        getKernel().gemm(false, false, 2, 2, 2, a, 0, 2, a, 0, 2, c, 0, 2, false);
        parentPort.postMessage({ name: kernel.name, product: Array.from(c) });
      } catch (err) {
        parentPort.postMessage({ error: err.message });
      }
    })();`;
  const worker = new Worker(code, { eval: true, env: { ...process.env, NN_KERNEL: choice } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('NN_KERNEL in worker threads', () => {
  it('wasm selects the WebAssembly kernel', async () => {
    const result = await inThread('wasm');
    expect(result.name).toMatch(/^wasm-/);
    expect(result.product).toEqual([7, 10, 15, 22]);
  });

  if (existsSync(NATIVE_ADDON_PATH)) {
    it('native loads the addon in the thread (several threads at once) and multiplies on it', async () => {
      const results = await Promise.all([inThread('native'), inThread('native'), inThread('native')]);
      for (const result of results) {
        expect(result.error).toBeUndefined();
        expect(result.name).toMatch(/^native-/);
        expect(result.product).toEqual([7, 10, 15, 22]);
      }
    });
  } else {
    it('native refuses to start without the addon, naming why; auto falls back to WebAssembly', async () => {
      expect((await inThread('native')).error).toMatch(/NN_KERNEL=native.*does not exist/);
      expect((await inThread('auto')).name).toMatch(/^wasm-/);
    });
  }
});
