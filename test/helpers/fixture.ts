/** Builds the Go test target (test/fixtures/leaky) with the machine's Go and starts it on a free 127.0.0.1 port. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet } from '../../src/collectors/http-get.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Outside the checkout: a profile records its binary's path, and committed goldens should not name this machine's folders.
const cacheDir = join(tmpdir(), 'leakbar-fixtures');

/** Builds a Go program under test/fixtures/NAME once per source version; returns the binary's path. */
export function buildGoFixture(name: string): string {
  return buildGoProgram(join(root, 'test', 'fixtures', name), name);
}

/** Builds the Go program in `src` (a folder with its own go.mod) once per source version; returns the binary's path. */
export function buildGoProgram(src: string, name: string): string {
  const hash = createHash('sha256').update('trimpath');
  for (const f of readdirSync(src).sort()) hash.update(f).update(readFileSync(join(src, f)));
  const bin = join(cacheDir, `${name}-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  // -trimpath: profiles of the fixtures name module paths, not this machine's folders (goldens are committed).
  execFileSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: src,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GOFLAGS: '-mod=mod', GOCACHE: join(cacheDir, 'gocache'), GO111MODULE: 'on' },
  });
  renameSync(tmp, bin);
  return bin;
}

/** A running fixture process. */
export interface Fixture {
  pid: number;
  /** pprof base URL, ending in /debug/pprof/. */
  pprofUrl: string;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  child: ChildProcess;
  /** Asks the fixture to leak now: GET /leak?fds=…&goroutines=…&heapkb=…&threads=… */
  leak(what: { fds?: number; goroutines?: number; heapkb?: number; threads?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Fixture flags, as the Go program names them (without the dash). */
export type FixtureFlags = Record<string, string | number>;

/** Starts test/fixtures/leaky (or another fixture with the same first line) and waits until it serves pprof. */
export async function startFixture(flags: FixtureFlags = {}, name = 'leaky'): Promise<Fixture> {
  const bin = buildGoFixture(name);
  const args = ['-addr', '127.0.0.1:0', '-duration', '10m'];
  for (const [k, v] of Object.entries(flags)) args.push(`-${k}`, String(v));
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`fixture ${name} did not start within 15 s`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        ok(buf.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`fixture ${name} exited with ${code} before serving`));
    });
  });
  child.stdout!.resume();
  const m = /listening (http:\/\/127\.0\.0\.1:\d+)\/debug\/pprof\/ pid=(\d+)/.exec(first);
  if (!m) throw new Error(`unexpected first line from fixture: ${first}`);
  const baseUrl = m[1]!;
  return {
    pid: Number(m[2]),
    baseUrl,
    pprofUrl: `${baseUrl}/debug/pprof/`,
    child,
    async leak(what) {
      const q = new URLSearchParams(Object.entries(what).map(([k, v]) => [k, String(v)]));
      // Not the global fetch: its kept-alive connection would stay in the fixture as an FD of its own for some 4 s.
      const res = await httpGet(`${baseUrl}/leak?${q}`, { timeoutMs: 10_000 });
      return new TextDecoder().decode(res.body);
    },
    stop() {
      return new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
