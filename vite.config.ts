// Builds the renderer (src/renderer) into out/renderer: the pages `leakbar serve` hands to a browser.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/renderer'),
  // Relative asset URLs, so the same build loads over http:// and from file:// in the desktop shell.
  base: './',
  plugins: [react()],
  build: {
    outDir: here('./out/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    // No inline scripts or data: URLs for assets: the CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
});
