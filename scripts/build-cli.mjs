// Bundles the `leakbar` command (src/cli) into dist/cli.js with esbuild, so it starts fast without a TypeScript loader.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/main.ts', 'analysis-worker': 'src/cli/analysis-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['electron', 'playwright-core'],
  // Some bundled CommonJS packages call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
}).catch(() => process.exit(1));
