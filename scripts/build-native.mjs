// Builds native/fdlinks.c, the one-call reader of /proc/PID/fd links, into native/build/fdlinks.node
// (or --out FILE), with the machine's C compiler ($CC, which may carry flags, else cc) against the
// Node-API headers of the node-api-headers package: no node-gyp, no download. Linux only (macOS reads
// FDs through lsof). Without a compiler, or when the compile fails, it says so, leaves no stale build
// behind, and exits 0: leakbar then reads the links in JavaScript, slower.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 && args[outAt + 1] ? resolve(args[outAt + 1]) : join(root, 'native', 'build', 'fdlinks.node');
const slower = 'so the FD breakdown reads /proc links in JavaScript, slower';

if (process.platform !== 'linux') process.exit(0);

/** Gives up on the native reader: no build may stay behind from an older fdlinks.c. */
function without(reason) {
  rmSync(out, { force: true });
  console.warn(`leakbar: ${reason}, ${slower}`);
  process.exit(0);
}

let headers;
try {
  headers = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
} catch {
  without('the node-api-headers package is not installed (npm install), so native/fdlinks.c is not built');
}
const [cc, ...ccFlags] = (process.env.CC || 'cc').trim().split(/\s+/);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const run = spawnSync(cc, [...ccFlags, '-O2', '-std=c11', '-Wall', '-Wextra', '-shared', '-fPIC', '-I', headers, '-o', tmp, join(root, 'native', 'fdlinks.c')], { encoding: 'utf8' });
if (run.error?.code === 'ENOENT') without(`no C compiler (${cc}) was found; install one (apt-get install gcc) and run npm run build`);
if (run.error || run.status !== 0) {
  rmSync(tmp, { force: true });
  if (run.stderr) process.stderr.write(run.stderr);
  without(`building native/fdlinks.c with ${cc} failed (${run.error ? run.error.message : `exit ${run.status ?? run.signal}`})`);
}
if (run.stderr) process.stderr.write(run.stderr);
renameSync(tmp, out);
