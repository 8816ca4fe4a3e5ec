/** `leakbar profile goroutines` on real dumps of the Go fixture: the walkthrough's findings on its wording. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGoroutineDump } from '../../src/analysis/goroutines/index.js';
import { goroutineDumpDiffRows } from '../../src/engine/captures/compare.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
let fx: Fixture;
let dir = '';
/** The fixture's dumps, as its pprof endpoint served them. */
const dumps = { debug1: '', debug2: '' };

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), 'leakbar-walk-gr-'));
  fx = await startFixture({ dir });
  await fx.leak({ goroutines: 3 });
  for (const d of [1, 2] as const) {
    const text = await (await fetch(`${fx.pprofUrl}goroutine?debug=${d}`)).text();
    dumps[`debug${d}`] = join(dir, `goroutine-debug${d}.txt`);
    writeFileSync(dumps[`debug${d}`], text);
  }
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('leakbar profile goroutines', () => {
  it('says "1 more frame" and "1 more stack", in the singular', async () => {
    const dump = parseGoroutineDump(readFileSync(dumps.debug2, 'utf8'));
    // The HTTP server's accept loop is 9 frames deep: the default 8 shown leave one out.
    const nine = dump.groups.filter((g) => g.frames.length === 9);
    expect(nine.length).toBeGreaterThan(0);
    const r = await leakbar(['profile', 'goroutines', dumps.debug2, '--groups', String(dump.groups.length - 1)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {7}… 1 more frame$/m);
    expect(r.stdout).toMatch(/^… 1 more stack$/m);
    expect(r.stdout).not.toMatch(/\b1 more (frames|stacks)\b/);
    // Two or more stay plural.
    const two = await leakbar(['profile', 'goroutines', dumps.debug2, '--groups', String(dump.groups.length - 2), '--frames', '7']);
    expect(two.stdout).toMatch(/^… 2 more stacks$/m);
    expect(two.stdout).toMatch(/^ {7}… 2 more frames$/m);
  });

  it('marks with ! exactly what its summary line says !: marks', async () => {
    const r = await leakbar(['profile', 'goroutines', dumps.debug2, '--frames', '0']);
    expect(r.code, r.stderr).toBe(0);
    const [summary, ...rest] = r.stdout.split('\n');
    const m = /; (\d+) in suspicious stacks \(!: (.*?)\)(?:, \d+ of them|$)/.exec(summary!);
    expect(m, summary).not.toBeNull();
    const legend = m![2]!;
    const blocks = rest.join('\n').split('\n\n').map((b) => b.replace(/^\n+/, '')).filter((b) => /^(!!|! | {2}) \d+ goroutines? in \S+ · /.test(b));
    let marked = 0;
    const blockedUnmarked: string[] = [];
    for (const b of blocks) {
      const head = /^(!!|! | {2}) (\d+) goroutines? in \S+ · ([^·]+) ·/.exec(b)!;
      if (head[1] !== '  ') marked += Number(head[2]);
      else if (/^(chan |select|IO wait|semacquire|sync\.|sleep)/.test(head[3]!)) blockedUnmarked.push(b);
    }
    // The count beside the legend is the goroutines the ! marks.
    expect(marked).toBe(Number(m![1]));
    // The fixture's main goroutine (select) and its HTTP accept loop (IO wait) are blocked but not marked:
    // the legend must say so, by naming them.
    expect(blockedUnmarked.some((b) => b.includes('main.main'))).toBe(true);
    expect(blockedUnmarked.some((b) => b.includes('net.(*TCPListener).Accept'))).toBe(true);
    for (const b of blockedUnmarked) {
      const why = b.includes('main.main')
        ? 'main'
        : b.includes('Accept')
          ? "a listener's Accept"
          : b.includes('os/signal.signal_recv')
            ? 'the signal loop'
            : b.includes(' · idle by design: HTTP ')
              ? 'an idle HTTP connection'
              : null;
      expect(why, `a blocked group left unmarked that the legend does not explain:\n${b}`).not.toBeNull();
      expect(legend).toContain(why!);
    }
  });

  it("says in a debug=1 dump's summary that channel and select waits are not seen", async () => {
    const r = await leakbar(['profile', 'goroutines', dumps.debug1]);
    // The 3 goroutines the fixture leaked wait on a channel; debug=1 cannot show it.
    expect(r.stdout).toMatch(/^ {3}3 goroutines in main\.waitForever · key /m);
    expect(r.stdout.split('\n')[0]).toContain('debug=1 has no states, so channel and select waits go unseen: use ?debug=2');
  });

  it('words a wait the same in the command line and the report: none where Go printed no minutes, "1 min"', async () => {
    // The fixture's dump was taken within its first minute: its leaked goroutines' headers have no minutes, which
    // says nothing sure (Go times a wait only from the first GC after it began): no wait is stated.
    const text = readFileSync(dumps.debug2, 'utf8');
    const r = await leakbar(['profile', 'goroutines', dumps.debug2]);
    expect(r.stdout).toMatch(/^! {2}3 goroutines in main\.waitForever · chan receive · key /m);
    expect(r.stdout).not.toMatch(/< 1 min|under a minute/);
    const fresh = parseGoroutineDump(text);
    const rows = goroutineDumpDiffRows(parseGoroutineDump(text.replace(/^goroutine \d+ \[chan receive\]:\nmain\.waitForever[^]*?\n\n/m, '')), fresh);
    expect(rows.find((row) => row.group === 'main.waitForever')).toMatchObject({ delta: 1, wait: '' });
    // A real dump (Go 1.15, DataDog's go-profiler-notes) whose goroutines waited a minute.
    const sample = readFileSync('/work/shared/samples/goroutine-debug2-1.txt', 'utf8').replace(/^# source:.*\n/, '');
    const file = join(dir, 'datadog-debug2.txt');
    writeFileSync(file, sample);
    const dd = await leakbar(['profile', 'goroutines', file]);
    expect(dd.stdout).toMatch(/^! {2}1 goroutine in main\.chanReceiveForever · chan receive · waiting 1 min · key /m);
    const ddRows = goroutineDumpDiffRows(parseGoroutineDump('goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n'), parseGoroutineDump(sample), { maxRows: 100 });
    expect(ddRows.find((row) => row.group === 'main.chanReceiveForever')).toMatchObject({ wait: '1 min' });
  });

  it('says plainly when a debug=1 dump is compared with a debug=2 one, and what to capture instead', async () => {
    const r = await leakbar(['profile', 'goroutines', dumps.debug2, '--base', dumps.debug1]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe(
      'warning: the base is a debug=1 dump and this one a debug=2 dump: the two forms print some stacks differently ' +
        '(the goroutine writing the dump shows as both new and gone), and debug=1 has no states or waits; ' +
        'capture both with ?debug=2 (…/debug/pprof/goroutine?debug=2) to compare like with like',
    );
    // What the warning says happens: the pprof handler's own goroutine is new (debug=2's code) and gone (debug=1's).
    const grew = r.stdout.slice(r.stdout.indexOf('Grew:'), r.stdout.indexOf('Gone:'));
    const gone = r.stdout.slice(r.stdout.indexOf('Gone:'));
    expect(grew).toContain('runtime/pprof.writeGoroutineStacks');
    expect(gone).toContain('runtime/pprof.writeRuntimeProfile');
    const json = JSON.parse((await leakbar(['profile', 'goroutines', dumps.debug1, '--base', dumps.debug2, '--json'])).stdout) as { warnings: string[] };
    expect(json.warnings).toEqual([expect.stringContaining('the base is a debug=2 dump and this one a debug=1 dump')]);
    // Two dumps of one form: no warning.
    const same = await leakbar(['profile', 'goroutines', dumps.debug2, '--base', dumps.debug2]);
    expect(same.stdout).not.toContain('warning:');
    expect(same.stdout).toContain('No stack changed.');
  });
});
