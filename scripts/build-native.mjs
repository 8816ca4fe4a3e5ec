// Builds native/fdlinks.c, the one-call reader of /proc/PID/fd links, into native/build/fdlinks.node
// (or --out FILE), with the machine's C compiler ($CC, else cc) against the Node-API headers of the
// node-api-headers package: no node-gyp, no download. Linux only (macOS reads FDs through lsof).
// Without a compiler it says so and exits 0: leakbar then reads the links in JavaScript, slower.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 && args[outAt + 1] ? resolve(args[outAt + 1]) : join(root, 'native', 'build', 'fdlinks.node');

if (process.platform !== 'linux') process.exit(0);

let headers;
try {
  headers = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
} catch {
  console.warn('leakbar: the node-api-headers package is not installed (npm install), so native/fdlinks.c is not built and the FD breakdown reads /proc links in JavaScript');
  process.exit(0);
}
const cc = process.env.CC || 'cc';
mkdirSync(dirname(out), { recursive: true });
const run = spawnSync(cc, ['-O2', '-std=c11', '-Wall', '-Wextra', '-shared', '-fPIC', '-I', headers, '-o', out, join(root, 'native', 'fdlinks.c')], { encoding: 'utf8' });
if (run.error && run.error.code === 'ENOENT') {
  console.warn(`leakbar: no C compiler (${cc}) found, so the FD breakdown reads /proc links in JavaScript, about 1.7× slower; install one (apt-get install gcc) and run npm run build to build native/fdlinks.c`);
  process.exit(0);
}
if (run.status !== 0) {
  process.stderr.write(run.stderr || String(run.error));
  console.warn(`leakbar: building native/fdlinks.c with ${cc} failed (above), so the FD breakdown reads /proc links in JavaScript, about 1.7× slower`);
  process.exit(0);
}
if (run.stderr) process.stderr.write(run.stderr);
