import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { diffGoroutineDumps, parseGoroutineDump, type GoroutineDiff, type GoroutineDump, type GoroutineGroup } from '../../src/analysis/goroutines/index.js';
import { parseHeapDump } from '../../src/analysis/heapdump.js';

const root = resolve(import.meta.dirname, '..', '..');
// The fixture is built with -trimpath, so its frames name the module path; the source is read from the checkout.
const fixtureSource = 'leakbar.test/leaky/main.go';
/** The line of `func waitForever() { <-block }`, where the leaked goroutines wait. */
const sourceLines = readFileSync(join(root, 'test', 'fixtures', 'leaky', 'main.go'), 'utf8').split('\n');
const waitLine = sourceLines.findIndex((l) => l.startsWith('func waitForever()')) + 1;
/** The line of `go waitForever()`, where they are started. */
const goLine = sourceLines.findIndex((l) => l.trim() === 'go waitForever()') + 1;

const leakGroup = (d: GoroutineDump): GoroutineGroup | undefined => d.groups.find((g) => g.frames.some((f) => f.function === 'main.waitForever'));

describe('goroutine dumps of the Go fixture (500 leaked, then 300 more)', () => {
  let fx: Fixture;
  let dir: string;
  let cli: string;

  const get = async (path: string): Promise<string> => (await fetch(`${fx.pprofUrl}${path}`, { signal: AbortSignal.timeout(30_000) })).text();

  /**
   * Fetches debug=2 until every leaked goroutine sits in its channel receive. A goroutine just started
   * is `runnable` at the top of waitForever, a different line, so it would count as another stack.
   */
  async function settledDump(expected: number): Promise<{ text: string; dump: GoroutineDump }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = await get('goroutine?debug=2');
      const dump = parseGoroutineDump(text);
      const leaked = dump.groups.filter((g) => g.frames.some((f) => f.function === 'main.waitForever'));
      const settled = leaked.reduce((s, g) => s + g.count, 0) === expected && leaked.every((g) => g.states.every((x) => x.state === 'chan receive'));
      if (settled || Date.now() > deadline) return { text, dump };
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  /** Runs `leakbar …` from a bundle built like `npm run build:cli` builds dist/cli.js. */
  function leakbar(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((ok) => {
      execFile(process.execPath, [cli, ...args], { maxBuffer: 64 * 2 ** 20, timeout: 60_000 }, (err, stdout, stderr) => {
        ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-goroutines-'));
    // The same esbuild options as scripts/build-cli.mjs, into a folder of our own: the test never runs a stale
    // dist/cli.js, and never rewrites it while another test file runs it.
    await build({
      entryPoints: { cli: join(root, 'src', 'cli', 'main.ts') },
      outdir: dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['electron', 'playwright-core'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'warning',
    });
    cli = join(dir, 'cli.js');
    fx = await startFixture({ goroutines: 500 });
  });
  afterAll(async () => {
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let base: GoroutineDump;
  let baseDebug1: GoroutineDump;
  let baseFile: string;

  it('groups the 500 blocked goroutines in debug=2: chan receive, suspicious, created by leakGoroutines', async () => {
    const { text, dump } = await settledDump(500);
    base = dump;
    baseFile = join(dir, 'base-debug2.txt');
    writeFileSync(baseFile, text);
    expect(dump.format).toBe('debug=2');
    expect(dump.total).toBe((text.match(/^goroutine \d+ \[/gm) ?? []).length);
    const g = leakGroup(dump)!;
    expect(g.count).toBe(500);
    expect(g.states).toEqual([{ state: 'chan receive', count: 500 }]);
    expect(g.blockedOn).toBe('chan-receive');
    expect(g.suspicious).toBe(true);
    expect(g.goroutineIds).toHaveLength(500);
    expect(new Set(g.goroutineIds).size).toBe(500);
    expect(g.creator).toBe('main.leakGoroutines');
    expect(g.topFrame).toEqual({ function: 'main.waitForever', file: fixtureSource, line: waitLine });
    expect(dump.groups[0]).toBe(g);
  });

  it('groups the same 500 in debug=1, under the same key', async () => {
    const text = await get('goroutine?debug=1');
    baseDebug1 = parseGoroutineDump(text);
    expect(baseDebug1.format).toBe('debug=1');
    expect(baseDebug1.warnings).toEqual([]);
    expect(baseDebug1.total).toBe(Number(/^goroutine profile: total (\d+)/.exec(text)![1]));
    const g = leakGroup(baseDebug1)!;
    expect(g.count).toBe(500);
    expect(g.key).toBe(leakGroup(base)!.key);
    expect(g.topFrame).toEqual({ function: 'main.waitForever', file: fixtureSource, line: waitLine });
  });

  let diff: GoroutineDiff;

  it('after 300 more leak, the diff puts that group first, grown by exactly 300', async () => {
    await fx.leak({ goroutines: 300 });
    const { dump } = await settledDump(800);
    diff = diffGoroutineDumps(base, dump);
    expect(diff.grew[0]).toMatchObject({ key: leakGroup(base)!.key, status: 'grew', baseCount: 500, count: 800, delta: 300 });
    expect(diff.grew.slice(1).every((c) => c.delta < 300)).toBe(true);
    // debug=1 against debug=1, and across formats, tell the same story.
    const later1 = parseGoroutineDump(await get('goroutine?debug=1'));
    expect(diffGoroutineDumps(baseDebug1, later1).grew[0]).toMatchObject({ key: leakGroup(base)!.key, delta: 300 });
    expect(diffGoroutineDumps(baseDebug1, dump).grew[0]).toMatchObject({ key: leakGroup(base)!.key, delta: 300 });
  });

  it('`leakbar profile goroutines URL --json` prints the grouped dump', async () => {
    const r = await leakbar(['profile', 'goroutines', `${fx.pprofUrl}goroutine?debug=2`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as GoroutineDump;
    expect(out.format).toBe('debug=2');
    expect(out.groups[0]).toMatchObject({ key: leakGroup(base)!.key, count: 800, blockedOn: 'chan-receive', suspicious: true, creator: 'main.leakGoroutines' });
    expect(out.groups[0]!.states).toEqual([{ state: 'chan receive', count: 800 }]);
  });

  it('`--base FILE --json` prints what grew; debug=1 URLs work too', async () => {
    const r = await leakbar(['profile', 'goroutines', `${fx.pprofUrl}goroutine?debug=1`, '--base', baseFile, '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as GoroutineDiff;
    expect(out.grew[0]).toMatchObject({ key: leakGroup(base)!.key, baseCount: 500, count: 800, delta: 300 });
  });

  it('prints groups as text, largest first, with ! on the suspicious ones', async () => {
    const r = await leakbar(['profile', 'goroutines', `${fx.pprofUrl}goroutine?debug=2`, '--long-minutes', '5', '--frames', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^\d+ goroutines in \d+ stacks \(debug=2\); \d+ in suspicious stacks .*, \d+ of them in stacks where some have waited ≥ 5 min \(!!\)$/);
    expect(lines[2]).toMatch(/^! {2}800 goroutines in main\.waitForever · chan receive · key [0-9a-f]{16}$/);
    expect(lines[3]).toBe(`     created by main.leakGoroutines at ${fixtureSource}:${goLine}`);
    expect(lines[4]).toBe(`       main.waitForever  ${fixtureSource}:${waitLine}`);
    const grew = await leakbar(['profile', 'goroutines', `${fx.pprofUrl}goroutine?debug=2`, '--base', baseFile]);
    expect(grew.stdout).toMatch(/^goroutines \d+ → \d+ \(\+\d+\); /);
    expect(grew.stdout).toMatch(/\nGrew:\n\n! {2}\+300 \(500 → 800\) in main\.waitForever · chan receive · key /);
  });

  it('refuses a protobuf goroutine profile with a hint to ask for ?debug=2, and a bad URL with the reason', async () => {
    const pb = await leakbar(['profile', 'goroutines', `${fx.pprofUrl}goroutine`]);
    expect(pb.code).toBe(1);
    expect(pb.stdout).toBe('');
    expect(pb.stderr).toMatch(/protobuf goroutine profile.*\?debug=2/);
    const html = await leakbar(['profile', 'goroutines', fx.pprofUrl]);
    expect(html.code).toBe(1);
    expect(html.stderr).toMatch(/HTML page.*goroutine\?debug=2/);
    const missing = await leakbar(['profile', 'goroutines', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such profile file');
  });

  it('parses the fixture’s heap?debug=1: totals that add up, frames, and MemStats', async () => {
    await fx.leak({ heapkb: 4096 });
    const heap = parseHeapDump(await get('heap?debug=1&gc=1'));
    expect(heap.memProfileRateBytes).toBe(512 * 1024);
    expect(heap.records.length).toBeGreaterThan(0);
    expect(heap.records.reduce((s, r) => s + r.allocBytes, 0)).toBe(heap.allocBytes);
    expect(heap.records.reduce((s, r) => s + r.inuseBytes, 0)).toBe(heap.inuseBytes);
    expect(heap.records.some((r) => r.frames.some((f) => f.function === 'main.leakHeap' && f.file === fixtureSource))).toBe(true);
    expect(heap.memStats!.HeapInuse).toBeGreaterThan(4096 * 1024);
    expect(heap.memStats!.NumGC).toBeGreaterThanOrEqual(0);
  });
});
