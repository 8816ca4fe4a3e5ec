/**
 * The built `leakbar` against pprof addresses that are wrong: another program's endpoint, a server that is
 * not Go's pprof (HTML, random bytes), and one that never answers. Each is named for what it is, once,
 * with nothing a server sent reaching the terminal unescaped.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { controlChars, startOddServers, type OddServers } from '../helpers/odd-servers.js';

const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
let a: Fixture;
let b: Fixture;
let odd: OddServers;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leakbar-endpoint-'));
  [a, b, odd] = await Promise.all([startFixture(), startFixture({ files: 4 }), startOddServers()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), odd?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const capturesOf = (out: string) => (existsSync(join(out, 'captures')) ? readdirSync(join(out, 'captures')).flatMap((t) => readdirSync(join(out, 'captures', t))) : []);

describe('leakbar capture', () => {
  it('refuses to store another program’s heap under --pid, with one line naming both', async () => {
    const out = join(dir, 'others');
    const r = await leakbar(['capture', 'heap', '--pid', String(b.pid), '--pprof', a.pprofUrl, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^leakbar: the pprof endpoint at ${a.pprofUrl.replace(/[.?]/g, '\\$&')} belongs to another program \\(.*-duration 10m\\), not to pid ${b.pid} \\(.*-files 4\\) \\(pass --pprof with the address pid ${b.pid} serves`));
    expect(capturesOf(out)).toEqual([]);
    // Its own endpoint goes ahead.
    const own = await leakbar(['capture', 'heap', '--pid', String(b.pid), '--pprof', b.pprofUrl, '--out', out]);
    expect(own.code).toBe(0);
    expect(capturesOf(out)).toHaveLength(1);
  });

  it('says a random-bytes server is not Go’s pprof, and never writes its bytes to the terminal', async () => {
    const out = join(dir, 'binary');
    const withPid = await leakbar(['capture', 'heap', '--pid', String(b.pid), '--pprof', odd.binary, '--out', out]);
    expect(withPid.code).toBe(1);
    expect(withPid.stderr).toContain(`leakbar: the pprof endpoint at ${odd.binary} does not answer like Go's net/http/pprof (got 4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)`);
    expect(controlChars(withPid.stderr.trimEnd())).toEqual([]);
    // With no process to check, the heap itself is checked: garbage is not stored as heap.pb.gz.
    const alone = await leakbar(['capture', 'heap', '--pprof', odd.binary, '--out', out]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain(`leakbar: ${odd.binary}heap?gc=1 answered with something other than a gzipped profile (4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)`);
    expect(controlChars(alone.stderr.trimEnd())).toEqual([]);
    const escapes = await leakbar(['capture', 'goroutine', '--pprof', odd.escapes, '--out', out]);
    expect(escapes.code).toBe(1);
    expect(controlChars(escapes.stderr.trimEnd())).toEqual([]);
    expect(capturesOf(out)).toEqual([]);
  });
});

describe('leakbar watch', () => {
  const watch = (pprof: string, extra: string[] = []) =>
    leakbar(['watch', '--pid', String(b.pid), '--pprof', pprof, '--interval', '0.5', '--heap-interval', '2', '--duration', '3', '--no-store', '--data-dir', join(dir, 'data'), ...extra]);

  it('says once that an HTML server is not Go’s pprof, not that it is another program', async () => {
    const r = await watch(odd.html, ['--json']);
    expect(r.code).toBe(0);
    const problems = jsonLines(r.stdout).filter((l) => l.type === 'status' && l.ok === false);
    expect(problems.map((p) => p.message)).toEqual([`the pprof endpoint at ${odd.html} does not answer like Go's net/http/pprof (got "<html><body>hello</body></html>")`]);
  });

  it('says once that a random-bytes server is not Go’s pprof, printing no control character', async () => {
    const r = await watch(odd.binary);
    expect(r.code).toBe(0);
    const problems = r.stdout.split('\n').filter((l) => l.includes('problem ('));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`the pprof endpoint at ${odd.binary} does not answer like Go's net/http/pprof (got 4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)`);
    // Only the newlines that end each printed line.
    expect(controlChars(r.stdout + r.stderr, '\n')).toEqual([]);
  });

  it('blames an endpoint that never answers on the program or the address, naming the URL, not on a busy machine', async () => {
    const r = await watch(odd.hang, ['--json']);
    expect(r.code).toBe(0);
    const problems = jsonLines(r.stdout).filter((l) => l.type === 'status' && l.ok === false);
    expect(problems.find((p) => p.source === 'memstats')).toMatchObject({
      message: `GET ${odd.hang}heap?debug=1: no answer within 1.6 s`,
      hint: 'the program may be stuck, stopped in a debugger, or this is not its pprof address',
    });
    expect(problems.find((p) => p.source === 'goroutines')).toMatchObject({ message: `GET ${odd.hang}goroutine?debug=1: no answer within 400 ms` });
    expect(r.stdout).not.toContain('machine may be busy');
  });

  it('ends at --duration even while reads of a hung endpoint are still waiting, with samples taken meanwhile', async () => {
    // --duration 3 with reads that wait up to 16 s: a run that is not over in 10 s is killed (code null).
    const r = await leakbar(['watch', '--pid', String(b.pid), '--pprof', odd.hang, '--interval', '0.5', '--heap-interval', '20', '--duration', '3', '--no-store', '--json'], 10_000);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).filter((l) => l.type === 'sample').length).toBeGreaterThanOrEqual(2);
    // It ended by itself: the stop cancelled the hung GETs, and the net that exits a process left busy did not have to.
    expect(r.stderr).toBe('');
  });
});

describe('a pprof endpoint mounted at another path than /debug/pprof/', () => {
  let c: Fixture;
  beforeAll(async () => {
    // Mounted as gin-contrib/pprof's Register(router, "dev/pprof") does.
    c = await startFixture({ 'pprof-prefix': '/dev/pprof/', goroutines: 25 });
  });
  afterAll(() => c?.stop());

  it('is read where it is, by watch and by capture', async () => {
    const pprof = `${c.baseUrl}/dev/pprof/`;
    const r = await leakbar(['watch', '--pid', String(c.pid), '--pprof', pprof, '--interval', '0.5', '--heap-interval', '1', '--duration', '3', '--no-store', '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'status' && l.ok === false)).toEqual([]);
    const samples = lines.filter((l) => l.type === 'sample');
    expect(samples.at(-1)).toMatchObject({ pid: c.pid, goroutines: expect.any(Number), heapAllocBytes: expect.any(Number) });
    expect(samples.at(-1)!.goroutines).toBeGreaterThanOrEqual(25);

    const out = join(dir, 'mounted');
    const cap = await leakbar(['capture', 'goroutine', '--pid', String(c.pid), '--pprof', `${pprof}goroutine?debug=2`, '--out', out]);
    expect(cap.stderr).toMatch(/^leakbar: goroutine capture \S+: goroutine\.pb\.gz, goroutine-debug2\.txt/);
    expect(cap.code).toBe(0);
    expect(capturesOf(out)).toHaveLength(1);
  });
});
