// Builds the dashboard (web/) into dist/web, served by the API process under /ui/. Everything is
// bundled into same-origin files: no CDN, no inline script (the service's CSP allows neither).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  // Preact's automatic JSX runtime (no React, no Babel plugin needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Vite's modulepreload polyfill would be bundled anyway; an inline one would break the CSP.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
