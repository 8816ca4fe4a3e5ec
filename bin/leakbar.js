#!/usr/bin/env node
// The `leakbar` command: runs the bundle that `npm install` (prepare) or `npm run build` writes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('leakbar: dist/cli.js is missing; run `npm install` or `npm run build` in the leakbar folder first.');
  process.exit(2);
}
await import(bundle);
