import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fetchTimeoutMs } from '../../src/cli/profile.js';
import { synthProfile } from './synth.js';

const root = join(import.meta.dirname, '..', '..');
const golden = join(root, 'test', 'golden');
const g = (f: string): string => join(golden, f);

function run(args: string[], useBundle = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = useBundle ? [join(root, 'bin', 'leakbar.js'), ...args] : ['--import', 'tsx', join(import.meta.dirname, 'cli-entry.ts'), ...args];
  return new Promise((ok) => {
    execFile(process.execPath, argv, { env: { ...process.env, TZ: 'UTC' }, cwd: root }, (err, stdout, stderr) => {
      ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('leakbar profile top', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/debug/pprof/heap')) res.end(readFileSync(g('heap-2.pb.gz')));
      else if (req.url === '/escapes') res.writeHead(500).end('\u001b[2J\u001b]0;pwned\u0007 oops');
      else if (req.url === '/binary') res.end(Buffer.from([0x0a, 0x99, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03]));
      else if (req.url === '/empty') res.end();
      else if (req.url === '/broken') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Internal error</h1></body></html>');
      else res.writeHead(404).end('404 page not found\n');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('prints what go tool pprof -top prints', async () => {
    const r = await run(['profile', 'top', g('heap-2.pb.gz')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(g('heap-2.default.txt'), 'utf8'));
  });

  it('passes sample type, sort, node count, granularity and filters through', async () => {
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--sample-index', 'cpu', '--cum'])).stdout).toBe(readFileSync(g('cpu-1.cpu.cum.txt'), 'utf8'));
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--nodecount', '5'])).stdout).toBe(readFileSync(g('cpu-1.nodecount5.txt'), 'utf8'));
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--granularity', 'lines'])).stdout).toBe(readFileSync(g('cpu-1.lines.txt'), 'utf8'));
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--hide', 'runtime\\.|main\\.main'])).stdout).toBe(readFileSync(g('cpu-1.hide.txt'), 'utf8'));
  });

  it('diffs with --diff-base and --base', async () => {
    const d = await run(['profile', 'top', g('heap-2.pb.gz'), '--diff-base', g('heap-1.pb.gz'), '--sample-index', 'inuse_space']);
    expect(d.stdout).toBe(readFileSync(g('heap-2.vs.heap-1.diff-base.inuse_space.txt'), 'utf8'));
    const b = await run(['profile', 'top', g('cpu-2.pb.gz'), '--base', g('cpu-1.pb.gz'), '--sample-index', 'cpu', '--cum']);
    expect(b.stdout).toBe(readFileSync(g('cpu-2.vs.cpu-1.base.cpu.cum.txt'), 'utf8'));
    const both = await run(['profile', 'top', g('heap-2.pb.gz'), '--base', g('heap-1.pb.gz'), '--diff-base', g('heap-1.pb.gz')]);
    expect(both.code).toBe(2);
  });

  it('prints the empty table go tool pprof prints for a profile with no samples (an idle CPU profile)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-empty-'));
    try {
      const file = join(dir, 'idle-cpu.pb.gz');
      writeFileSync(file, gzipSync(synthProfile(['samples/count', 'cpu/nanoseconds'], [], { durationNanos: 1e9 })));
      const pprof = await new Promise<string>((ok, fail) =>
        execFile('go', ['tool', 'pprof', '-top', file], { env: { ...process.env, TZ: 'UTC', PPROF_TMPDIR: dir }, timeout: 30_000 }, (e, stdout) => (e ? fail(e) : ok(stdout))),
      );
      expect(pprof).toMatch(/Showing nodes accounting for 0, 0% of 0 total/);
      const r = await run(['profile', 'top', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(pprof);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns on stderr, as go tool pprof does, of a filter that matched nothing', async () => {
    const pprofWarnings = (args: string[]): Promise<string> =>
      new Promise((ok, fail) =>
        execFile('go', ['tool', 'pprof', '-top', ...args], { env: { ...process.env, TZ: 'UTC', PPROF_TMPDIR: tmpdir() }, timeout: 30_000 }, (e, _stdout, stderr) =>
          e ? fail(e) : ok(stderr.split('\n').filter((l) => l.includes('matched no samples')).map((l) => `${l}\n`).join('')),
        ),
      );
    const cases: Array<[string[], string[]]> = [
      [['--focus', 'nomatchxyz'], ['-focus', 'nomatchxyz']],
      [['--ignore', 'nomatch', '--hide', 'zz', '--show', 'yy'], ['-ignore', 'nomatch', '-hide', 'zz', '-show', 'yy']],
      // An ignored location does not count as focused.
      [['--focus', 'main', '--ignore', 'main'], ['-focus', 'main', '-ignore', 'main']],
      [['--focus', 'main', '--hide', 'runtime'], ['-focus', 'main', '-hide', 'runtime']],
    ];
    for (const [ours, theirs] of cases) {
      const expected = await pprofWarnings([...theirs, g('cpu-1.pb.gz')]);
      const r = await run(['profile', 'top', g('cpu-1.pb.gz'), ...ours]);
      expect(r.stderr, ours.join(' ')).toBe(expected);
    }
    expect(await pprofWarnings(['-focus', 'nomatchxyz', g('cpu-1.pb.gz')])).toBe('Focus expression matched no samples\n');
  });

  it('takes --nodefraction and --edgefraction as pprof does, and says in --json how many rows they dropped', async () => {
    const pprofTop = (args: string[]): Promise<string> =>
      new Promise((ok, fail) =>
        execFile('go', ['tool', 'pprof', '-top', ...args], { env: { ...process.env, TZ: 'UTC', PPROF_TMPDIR: tmpdir() }, timeout: 30_000 }, (e, stdout) => (e ? fail(e) : ok(stdout))),
      );
    const file = g('manystacks-heap.pb.gz');
    const cases: Array<[string[], string[]]> = [
      [['--nodefraction', '0'], ['-nodefraction=0']],
      [['--nodefraction', '0.05', '--cum'], ['-nodefraction=0.05', '-cum']],
      [['--nodefraction', '0', '--edgefraction', '0.5', '--granularity', 'lines'], ['-nodefraction=0', '-edgefraction=0.5', '-lines']],
    ];
    for (const [ours, theirs] of cases) {
      expect((await run(['profile', 'top', file, ...ours])).stdout, ours.join(' ')).toBe(await pprofTop([...theirs, file]));
    }
    const dropped = Number(/Dropped (\d+) nodes/.exec(await pprofTop([file]))![1]);
    const trimmed = JSON.parse((await run(['profile', 'top', file, '--json', '--nodecount', '0'])).stdout) as { droppedNodes: number; rows: unknown[] };
    const all = JSON.parse((await run(['profile', 'top', file, '--json', '--nodefraction', '0'])).stdout) as { droppedNodes: number; rows: unknown[] };
    expect(trimmed.droppedNodes).toBe(dropped);
    expect(all.droppedNodes).toBe(0);
    expect(all.rows.length).toBe(trimmed.rows.length + dropped);
    expect((await run(['profile', 'top', file, '--nodefraction', '2'])).stderr).toMatch(/expected a fraction from 0 to 1/);
  });

  it('prints raw values as JSON', async () => {
    const r = await run(['profile', 'top', g('heap-2.pb.gz'), '--json', '--sample-index', 'alloc_objects']);
    const j = JSON.parse(r.stdout) as { sampleType: string; unit: string; total: number; rows: Array<{ name: string; flat: number; cum: number }> };
    expect(j.sampleType).toBe('alloc_objects');
    expect(j.unit).toBe('count');
    expect(j.total).toBeGreaterThan(0);
    expect(Object.keys(j.rows[0]!)).toEqual(['name', 'flat', 'cum']);
    expect(Number.isInteger(j.rows[0]!.flat)).toBe(true);
  });

  it('fetches a profile from a pprof URL', async () => {
    const r = await run(['profile', 'top', `${base}/debug/pprof/heap?gc=1`]);
    expect(r.stdout).toBe(readFileSync(g('heap-2.default.txt'), 'utf8'));
  });

  it('explains an HTML page, a 404, a missing file and a bad regex', async () => {
    const html = await run(['profile', 'top', `${base}/broken`]);
    expect(html.code).toBe(1);
    expect(html.stderr).toContain('this is an HTML page, not a profile (an error or login page served in place of one)');
    const missing = await run(['profile', 'top', `${base}/debug/pprof/nope`]);
    expect(missing.stderr).toMatch(/answered 404 Not Found: "404 page not found\\n"/);
    // A server's bytes are quoted escaped: nothing it sends reaches the terminal raw.
    const escapes = await run(['profile', 'top', `${base}/escapes`]);
    expect(escapes.stderr).toContain('answered 500 Internal Server Error: "\\u001b[2J\\u001b]0;pwned\\u0007 oops"');
    expect(escapes.stderr.includes('\u001b')).toBe(false);
    expect((await run(['profile', 'top', g('no-such.pb.gz')])).stderr).toMatch(/no such profile file/);
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--focus', '('])).stderr).toMatch(/parsing focus regexp/);
    expect((await run(['profile', 'top', g('cpu-1.pb.gz'), '--sample-index', 'bogus'])).stderr).toMatch(/must be one of: samples, cpu/);
  });

  it('refuses a gzip bomb at 256 MB, naming the file, and says a binary answer is not a gzipped profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-bomb-'));
    try {
      const file = join(dir, 'bomb.pb.gz');
      writeFileSync(file, gzipSync(new Uint8Array(300 << 20), { level: 1 }));
      const r = await run(['profile', 'top', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`leakbar: ${file}: the profile inflates to more than 256 MB: this is not a profile leakbar reads`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const binary = await run(['profile', 'top', `${base}/binary`]);
    expect(binary.stderr).toContain(`leakbar: ${base}/binary answered with something other than a gzipped profile (8 bytes of binary data, starting 0a 99 ff ff ff 01 02 03)`);
    const empty = await run(['profile', 'top', `${base}/empty`]);
    expect(empty.stderr).toContain(`leakbar: ${base}/empty answered with 0 bytes`);
  });

  it('times a URL out as a capture does: after 1.5 × its seconds parameter, else 20 s', () => {
    expect(fetchTimeoutMs('http://h/debug/pprof/profile?seconds=30')).toBe(45_000);
    expect(fetchTimeoutMs('http://h/debug/pprof/heap')).toBe(20_000);
  });

  it.skipIf(!existsSync(join(root, 'dist', 'cli.js')))('runs from the bundle (bin/leakbar.js)', async () => {
    const r = await run(['profile', 'top', g('goroutine-2.pb.gz')], true);
    expect(r.stdout).toBe(readFileSync(g('goroutine-2.default.txt'), 'utf8'));
  });
});
