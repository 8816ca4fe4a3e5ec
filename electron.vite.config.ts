/**
 * One build for the desktop app (electron-vite): the main process (ESM, dependencies left in
 * node_modules), the preload (one self-contained CommonJS file: a sandboxed preload can neither
 * `import` nor `require` our modules), and the renderer (src/renderer/index.html, React).
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      rolldownOptions: { input: { index: resolve('src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      // Bundle zod and the shared contract in: the sandbox gives the preload no module loader for them.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: {
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
