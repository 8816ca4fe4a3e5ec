import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { LEAKBAR_BIN, leakbar } from '../helpers/cli.js';
import { until } from '../helpers/until.js';
import { createCaptureStore, newCaptureId } from '../../src/engine/captures/index.js';
import { openSettingsFile } from '../../src/engine/settings-file.js';



/** A 127.0.0.1 port nothing listens on: bound by us, then released. */
function closedPort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(port));
    });
  });
}

const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('leakbar watch', () => {
  let dir: string;
  let fx: Fixture;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-watch-'));
    fx = await startFixture({ dir, goroutines: 120 });
    await fx.leak({ fds: 60 });
  });
  afterAll(async () => {
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports figures that agree with procfs and the fixture’s own pprof endpoint', async () => {
    const data = join(dir, 'data');
    const r = await leakbar(['watch', '--match', `leaky.*${dir}`, '--pprof', fx.pprofUrl, '--json', '--interval', '1', '--duration', '4', '--data-dir', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const samples = jsonLines(r.stdout).filter((o) => o.type === 'sample');
    expect(samples.length).toBeGreaterThanOrEqual(3);
    const last = samples.at(-1)!;
    const status = readFileSync(`/proc/${fx.pid}/status`, 'utf8');
    const procThreads = Number(/Threads:\s+(\d+)/.exec(status)![1]);
    const procRssBytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    const procFds = readdirSync(`/proc/${fx.pid}/fd`).length;
    const limit = Number(/Max open files\s+(\d+)/.exec(readFileSync(`/proc/${fx.pid}/limits`, 'utf8'))![1]);
    const goroutines = Number(/^goroutine profile: total (\d+)/.exec(await (await fetch(`${fx.pprofUrl}goroutine?debug=1`)).text())![1]);
    expect(last.pid).toBe(fx.pid);
    expect(typeof last.time).toBe('string');
    expect(new Date(last.time as string).toISOString()).toBe(last.time);
    // The fixture is idle between our reads; only the watcher's pprof HTTP connections (kept alive a moment) come and go.
    expect(Math.abs((last.fds as number) - procFds)).toBeLessThanOrEqual(4);
    expect(last.fds as number).toBeGreaterThanOrEqual(60);
    expect(last.fdLimit).toBe(limit);
    // Go's runtime may start a thread for the requests of the moment.
    expect(Math.abs((last.threads as number) - procThreads)).toBeLessThanOrEqual(2);
    expect(Math.abs((last.rssBytes as number) - procRssBytes) / procRssBytes).toBeLessThan(0.2);
    expect(Math.abs((last.goroutines as number) - goroutines)).toBeLessThanOrEqual(2);
    expect(last.goroutines as number).toBeGreaterThanOrEqual(120);
    expect(last.heapAllocBytes as number).toBeGreaterThan(0);
    expect(last.heapInuseBytes as number).toBeGreaterThan(0);
    expect(typeof last.vszBytes).toBe('number');
    // History went to disk, one JSON line per sample.
    const stored = readFileSync(join(data, 'targets', readdirSync(join(data, 'targets'))[0]!, 'samples.jsonl'), 'utf8').trim().split('\n');
    expect(stored.length).toBe(samples.length);
  });

  it('reads the heap figures at --heap-interval, and every 30 s without it', async () => {
    const heapDir = mkdtempSync(join(tmpdir(), 'leakbar-watch-heap-'));
    const growing = await startFixture({ dir: heapDir, 'heap-rate-kb': 256 });
    try {
      const heapValues = async (extra: string[]) => {
        const r = await leakbar(['watch', '--pid', String(growing.pid), '--pprof', growing.pprofUrl, '--json', '--interval', '1', '--duration', '5', '--no-store', ...extra]);
        expect(r.stderr).toBe('');
        const samples = jsonLines(r.stdout).filter((o) => o.type === 'sample');
        expect(samples.length).toBeGreaterThanOrEqual(4);
        return new Set(samples.map((o) => o.heapAllocBytes));
      };
      // The fixture keeps 256 KB more every second, so each fresh read of MemStats differs from the last.
      expect((await heapValues(['--heap-interval', '1'])).size).toBeGreaterThanOrEqual(3);
      expect((await heapValues([])).size).toBe(1);
    } finally {
      await growing.stop();
      rmSync(heapDir, { recursive: true, force: true });
    }
  });

  it('writes the CSV people’s shell scripts wrote, with full ISO times', async () => {
    const csv = join(dir, 'out.csv');
    const r = await leakbar(['watch', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '1', '--duration', '2.5', '--csv', csv, '--no-store', '--data-dir', join(dir, 'data-nostore-csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`pid ${fx.pid} .*fds \\d+/\\d+ .*goroutines \\d+`));
    const [header, first] = readFileSync(csv, 'utf8').split('\n');
    expect(header).toMatch(/^time,heap_alloc_bytes,heap_inuse_bytes,goroutines,rss_mb,/);
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,\d+,\d+,\d+,[\d.]+,/);
    // --no-store keeps nothing on disk: not even an empty captures folder.
    expect(existsSync(join(dir, 'data-nostore-csv'))).toBe(false);
  });

  it('appends to a CSV an earlier watch wrote, and refuses a file that holds something else, leaving it whole', async () => {
    const csv = join(dir, 'day.csv');
    const run = () => leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '0.5', '--duration', '1.2', '--csv', csv, '--no-store']);
    expect((await run()).code).toBe(0);
    const firstRun = readFileSync(csv, 'utf8').split('\n').filter(Boolean);
    expect(firstRun.length).toBeGreaterThan(1);
    // A crash cut its last row short: the next run starts its rows on a line of their own.
    appendFileSync(csv, '2026-01-01T00:00:00.000Z,1');
    expect((await run()).code).toBe(0);
    const both = readFileSync(csv, 'utf8').split('\n').filter(Boolean);
    expect(both.filter((l) => l.startsWith('time,'))).toHaveLength(1);
    expect(both.slice(0, firstRun.length)).toEqual(firstRun);
    expect(both[firstRun.length]).toBe('2026-01-01T00:00:00.000Z,1');
    expect(both.length).toBeGreaterThan(firstRun.length + 2);
    expect(both.slice(firstRun.length + 1).every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z,/.test(l))).toBe(true);

    const other = join(dir, 'precious.csv');
    writeFileSync(other, 'my precious data\n');
    const r = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--duration', '1', '--csv', other, '--no-store']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the CSV file ${other} already holds something other than leakbar's columns`);
    expect(readFileSync(other, 'utf8')).toBe('my precious data\n');
  });

  it('keeps watching for a --duration longer than one timer holds (24.8 days), until told to stop', async () => {
    const child = spawn(process.execPath, [LEAKBAR_BIN, 'watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '0.5', '--duration', '3000000', '--no-store'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      // Before, it stopped at once (Node fires a timer past 2^31-1 ms after 1 ms).
      const samples = () => stdout.split('\n').filter((l) => l.includes(`pid ${fx.pid} `)).length;
      await until(() => samples() >= 3 || child.exitCode !== null, 10_000, 'three samples');
      expect(child.exitCode).toBeNull();
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    } finally {
      clearTimeout(killer);
    }
  });

  it('shows control characters a watched program put in its command line as \\xNN, never raw to the terminal', async () => {
    // Two processes whose command lines hold an escape sequence that would set the terminal's title: several match, and
    // the line that says which is watched quotes both command lines.
    const marker = `leakbar-esc-${process.pid}`;
    const title = '\x1b]0;PWNED\x07';
    const kids = [0, 1].map(() => spawn('sh', ['-c', 'sleep 30', `${marker}${title}`], { stdio: 'ignore' }));
    try {
      const r = await leakbar(['watch', '--match', marker, '--no-pprof', '--interval', '0.5', '--duration', '1.5', '--no-store']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${marker}\\x1b]0;PWNED\\x07`);
      expect([...(r.stdout + r.stderr)].filter((c) => c === '\x1b' || c === '\x07')).toEqual([]);
    } finally {
      for (const k of kids) k.kill('SIGKILL');
    }
  });

  it('takes a Go program with a control character in an argument for itself, and reads its goroutines', async () => {
    // A folder whose name holds a unit separator (as `-sep $'\x1f'` would): the program's /cmdline carries it.
    const odd = join(dir, 'odd\x1fdir');
    mkdirSync(odd);
    const own = await startFixture({ dir: odd });
    try {
      const r = await leakbar(['watch', '--pid', String(own.pid), '--pprof', own.pprofUrl, '--json', '--interval', '0.5', '--duration', '2', '--no-store']);
      expect(r.code).toBe(0);
      const lines = jsonLines(r.stdout);
      expect(lines.filter((l) => l.type === 'status' && l.ok === false)).toEqual([]);
      expect(lines.filter((l) => l.type === 'sample').at(-1)!.goroutines).toBeGreaterThan(0);
    } finally {
      await own.stop();
    }
  });

  it('follows the program across a restart and says so', async () => {
    const rdir = mkdtempSync(join(tmpdir(), 'leakbar-restart-'));
    let a: Fixture | null = await startFixture({ dir: rdir });
    let b: Fixture | null = null;
    try {
      const run = leakbar(['watch', '--match', `leaky.*${rdir}`, '--no-pprof', '--json', '--interval', '0.5', '--duration', '5', '--no-store', '--data-dir', join(dir, 'data-nostore')]);
      await new Promise((r) => setTimeout(r, 1500));
      const oldPid = a.pid;
      await a.stop();
      a = null;
      b = await startFixture({ dir: rdir });
      const r = await run;
      expect(r.code).toBe(0);
      const lines = jsonLines(r.stdout);
      expect(lines).toContainEqual(expect.objectContaining({ type: 'restart', oldPid, newPid: b.pid }));
      expect(lines.filter((l) => l.type === 'sample').at(-1)!.pid).toBe(b.pid);
    } finally {
      await a?.stop();
      await b?.stop();
      rmSync(rdir, { recursive: true, force: true });
    }
  });

  it('says in one line, on the terminal and in events.jsonl, that a --match process exited and it waits for the next', async () => {
    const xdir = mkdtempSync(join(tmpdir(), 'leakbar-exit-match-'));
    const data = join(xdir, 'data');
    let a: Fixture | null = await startFixture({ dir: xdir });
    try {
      const run = leakbar(['watch', '--match', `leaky.*${xdir}`, '--no-pprof', '--interval', '0.5', '--duration', '4', '--data-dir', data]);
      await new Promise((r) => setTimeout(r, 1500));
      const oldPid = a.pid;
      await a.stop();
      a = null;
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      const said = r.stdout.split('\n').filter((l) => /has exited|no process matches/.test(l));
      expect(said).toEqual([expect.stringMatching(new RegExp(`problem \\(target\\): process ${oldPid} has exited; waiting for a new process matching /leaky`))]);
      const events = readFileSync(join(data, 'targets', readdirSync(join(data, 'targets'))[0]!, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.filter((e) => e.type === 'status' && e.source === 'target' && e.ok === false)).toEqual([expect.objectContaining({ code: 'no-such-process', message: expect.stringContaining(`process ${oldPid} has exited`) })]);
    } finally {
      await a?.stop();
      rmSync(xdir, { recursive: true, force: true });
    }
  });

  it('ends a --pid watch when that process exits, saying so, with a non-zero exit', async () => {
    const edir = mkdtempSync(join(tmpdir(), 'leakbar-exit-'));
    const gone = await startFixture({ dir: edir });
    try {
      // --duration is far away: only the exit can end this run before the 20 s kill.
      const run = leakbar(['watch', '--pid', String(gone.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '120', '--no-store'], 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      await gone.stop();
      const r = await run;
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`leakbar: process ${gone.pid} has exited; nothing left to watch (watch by --match to follow restarts)`);
      const lines = jsonLines(r.stdout);
      expect(lines).toContainEqual(expect.objectContaining({ type: 'status', source: 'target', ok: false, code: 'no-such-process' }));
      // No sample of zeros from the exiting process.
      expect(lines.filter((l) => l.type === 'sample').every((l) => (l.rssBytes as number) > 0)).toBe(true);
    } finally {
      await gone.stop();
      rmSync(edir, { recursive: true, force: true });
    }
  });

  it('without a pprof endpoint still reports every system figure, and says once what is missing', async () => {
    const port = await closedPort();
    const r = await leakbar(['watch', '--pid', String(fx.pid), '--pprof', `http://127.0.0.1:${port}/debug/pprof/`, '--json', '--interval', '0.5', '--duration', '2.5', '--no-store', '--data-dir', join(dir, 'data-nostore')]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const problems = lines.filter((l) => l.type === 'status' && l.ok === false);
    // Said once per distinct problem, never per tick (on a loaded machine a refused read may also time out once).
    const said = problems.filter((p) => p.source === 'goroutines').map((p) => String(p.message));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(new Set(said).size).toBe(said.length);
    expect(said[0]).toMatch(/refused/);
    const s = lines.filter((l) => l.type === 'sample');
    expect(s.length).toBeGreaterThanOrEqual(3);
    expect(s.every((x) => typeof x.fds === 'number' && typeof x.rssBytes === 'number' && x.goroutines === undefined)).toBe(true);
  });

  it('prints alerts as they fire, with lines set from an --alerts file', async () => {
    const settings = join(dir, 'alerts.json');
    writeFileSync(settings, JSON.stringify({ thresholds: { fds: { line: 30 } } }));
    const data = join(dir, 'data-alerts');
    const r = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '4', '--data-dir', data, '--alerts', settings]);
    expect(r.code).toBe(0);
    const alerts = jsonLines(r.stdout).filter((l) => l.type === 'alert');
    const fds = alerts.find((a) => a.key === 'threshold:fds');
    expect(fds).toMatchObject({ type: 'alert', event: 'fired', line: 30 });
    expect(fds!.value as number).toBeGreaterThan(60);
    // The fixture's leaked files are open 20 times each: that alert names the file.
    expect(alerts.find((a) => a.kind === 'repeated-file')?.subject).toMatch(/leaky-\d+-\d\.dat$/);
    // Its automatic FD snapshot comes in and names the file too.
    const found = jsonLines(r.stdout).find((l) => l.type === 'finding');
    expect(found?.finding).toMatch(/leaky-\d+-\d\.dat/);
    expect(readdirSync(join(data, 'captures'))).toHaveLength(1);
    // With --no-store nothing goes to disk: no history and no automatic capture.
    const bare = join(dir, 'data-bare');
    const quiet = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '2.5', '--no-store', '--data-dir', bare, '--alerts', settings]);
    expect(jsonLines(quiet.stdout).some((l) => l.type === 'alert' && l.event === 'fired')).toBe(true);
    expect(jsonLines(quiet.stdout).some((l) => l.type === 'finding')).toBe(false);
    expect(existsSync(join(bare, 'captures')) ? readdirSync(join(bare, 'captures')) : []).toEqual([]);
    expect(existsSync(join(bare, 'targets'))).toBe(false);

    writeFileSync(settings, JSON.stringify({ thresholds: { fds: { line: -5 } } }));
    const bad = await leakbar(['watch', '--pid', String(fx.pid), '--duration', '1', '--alerts', settings]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/thresholds\.fds\.line/);
  });

  it("samples at the settings file's interval when --interval is not given, and at --interval when it is", async () => {
    const data = join(dir, 'data-interval');
    // As the Settings page of serve or the app would save it.
    mkdirSync(data, { recursive: true });
    expect(openSettingsFile(data).set({ cadences: { sampleMs: 1000 } })).toMatchObject({ ok: true });
    const fromFile = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--duration', '3.6', '--data-dir', data]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/every 1s/);
    const samples = (text: string) => text.split('\n').filter((l) => / pid \d+ .* fds /.test(l)).length;
    // About 4 samples in 3.6 s at 1 s; the settings' default of 5 s would give 1.
    expect(samples(fromFile.stdout)).toBeGreaterThanOrEqual(3);
    const given = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '5', '--duration', '3.6', '--data-dir', data]);
    expect(given.stdout).toMatch(/every 5s/);
    expect(samples(given.stdout)).toBe(1);
  });

  it('by --pid joins the history of the target already recording that process, rather than starting pid-N', async () => {
    const data = join(dir, 'data-join');
    const recorder = leakbar(['watch', '--match', `leaky.*${dir}`, '--no-pprof', '--interval', '1', '--duration', '8', '--data-dir', data]);
    const samples = () => {
      try {
        return readdirSync(join(data, 'targets')).flatMap((id) => (existsSync(join(data, 'targets', id, 'samples.jsonl')) ? [id] : []));
      } catch {
        return [];
      }
    };
    for (let i = 0; i < 100 && samples().length === 0; i++) await new Promise((ok) => setTimeout(ok, 100));
    const [recorded] = samples();
    expect(recorded).toBeDefined();
    const second = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '1', '--duration', '2', '--data-dir', data]);
    expect(second.stdout).toContain(`history in ${join(data, 'targets', recorded!)}`);
    // The first one records; this one says so and keeps its samples in memory.
    expect(second.stdout).toMatch(/another leakbar \(pid \d+\) records this history/);
    expect(readdirSync(join(data, 'targets'))).toEqual([recorded]);
    expect((await recorder).code).toBe(0);
  });

  it('says at start which alerts are still open from the history it read back', async () => {
    const data = join(dir, 'data-reopen');
    const settings = join(dir, 'alerts-reopen.json');
    writeFileSync(settings, JSON.stringify({ thresholds: { fds: { line: 30 } } }));
    const first = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '2.5', '--data-dir', data, '--alerts', settings]);
    expect(jsonLines(first.stdout).some((l) => l.type === 'alert' && l.key === 'threshold:fds' && l.event === 'fired')).toBe(true);
    const second = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '1.5', '--data-dir', data, '--alerts', settings]);
    expect(jsonLines(second.stdout).find((l) => l.type === 'alert' && l.key === 'threshold:fds')).toMatchObject({ event: 'open' });
    // For people: stamped when it is said (not at the alert's last update, which sorts it before earlier lines), the message as of then.
    const text = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '0.5', '--duration', '1.5', '--data-dir', data, '--alerts', settings]);
    const open = text.stdout.split('\n').find((l) => l.includes('open since') && l.includes('FDs past 30'))!;
    const m = /^(\d\d:\d\d:\d\d) {2}open since \d\d:\d\d:\d\d \(warning\) FDs past 30: .* \(as of (\d\d:\d\d:\d\d)\)$/.exec(open);
    expect(m, open).not.toBeNull();
    // Said after its last update (unless a midnight falls between the two).
    expect(m![1]! >= m![2]! || (m![2]!.startsWith('23') && m![1]!.startsWith('00')), open).toBe(true);
    // Acknowledged (by the app, say: its newest version on record), the line says so.
    const [target] = readdirSync(join(data, 'targets'));
    const alertsFile = join(data, 'targets', target!, 'alerts.jsonl');
    const newest = readFileSync(alertsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((a) => a.key === 'threshold:fds').at(-1)!;
    appendFileSync(alertsFile, JSON.stringify({ ...newest, state: 'acknowledged' }) + '\n');
    const acked = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--interval', '0.5', '--duration', '1.5', '--data-dir', data, '--alerts', settings]);
    expect(acked.stdout.split('\n').find((l) => l.includes('open since') && l.includes('FDs past 30'))).toMatch(/ open since \d\d:\d\d:\d\d \(warning, acknowledged\) FDs past 30: /);
  });

  it('leaves out the figures of a pprof endpoint that belongs to another process, and says so once', async () => {
    const other = await startFixture({ dir, goroutines: 50 });
    try {
      const r = await leakbar(['watch', '--pid', String(fx.pid), '--pprof', other.pprofUrl, '--json', '--interval', '0.5', '--duration', '2.5', '--no-store', '--data-dir', join(dir, 'data-nostore')]);
      expect(r.code).toBe(0);
      const lines = jsonLines(r.stdout);
      const problems = lines.filter((l) => l.type === 'status' && l.source === 'pprof');
      expect(problems).toHaveLength(1);
      expect(String(problems[0]!.message)).toContain(`not to pid ${fx.pid}`);
      // Watched by --pid: no --match to narrow.
      expect(problems[0]!.hint).toBe('give --pprof the URL this process serves');
      const samples = lines.filter((l) => l.type === 'sample');
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples.slice(1).every((s) => s.goroutines === undefined && s.heapInuseBytes === undefined)).toBe(true);
    } finally {
      await other.stop();
    }
  });

  it('touches no capture with --no-store, nor another target’s captures when it stores', async () => {
    const data = join(dir, 'data-shared');
    const day = 24 * 60 * 60_000;
    const captures = await createCaptureStore(data);
    const put = async (targetId: string) => {
      const startedMs = Date.now() - 45 * day;
      const p = await captures.begin(targetId, newCaptureId(startedMs, 'heap'));
      await p.writeFile('heap.pb.gz', new Uint8Array(8), 'heap');
      return (await p.commit({ kind: 'heap', pid: 1, startedMs, endedMs: startedMs, figures: null, alertKey: null, baseline: false, pinned: false, note: '' })).id;
    };
    // 45 days old: past the default 30 days, for a target this watch is not about (the app's, say).
    const others = await put('api-server');
    const ids = async () => (await captures.list()).map((c) => c.id);
    const noStore = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--duration', '1', '--no-store', '--data-dir', data]);
    expect(noStore.code, noStore.stderr).toBe(0);
    expect(await ids()).toEqual([others]);
    const stored = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--duration', '1', '--data-dir', data]);
    expect(stored.code, stored.stderr).toBe(0);
    // (It may have taken an automatic capture of its own: the fixture holds a file open many times.)
    expect(await ids()).toContain(others);
  });

  it('refuses a bad command with one clear line and a non-zero exit', async () => {
    const unknown = await leakbar(['watch', '--pid', '999999999', '--no-pprof', '--duration', '1']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no process has PID 999999999/);

    const badRe = await leakbar(['watch', '--match', '(', '--duration', '1']);
    expect(badRe.code).not.toBe(0);
    expect(badRe.stderr).toMatch(/not a valid regular expression/);

    const flag = await leakbar(['watch', '--pid', 'abc']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/expected a process id/);

    const neither = await leakbar(['watch', '--duration', '1']);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/exactly one of --pid N or --match REGEX/);

    // A CSV it could not write would be found out only after the night: it is refused before watching.
    const csv = await leakbar(['watch', '--pid', String(fx.pid), '--no-pprof', '--duration', '1', '--no-store', '--csv', join(dir, 'no-such-folder', 'out.csv')]);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toBe('');
    expect(csv.stderr.trim()).toBe(`leakbar: cannot write the CSV file ${join(dir, 'no-such-folder', 'out.csv')}: its folder does not exist`);
  });

  it('waits for a --match that matches nothing yet, saying so once', async () => {
    const r = await leakbar(['watch', '--match', 'no-such-program-anywhere-xyz', '--no-pprof', '--interval', '0.5', '--duration', '2', '--no-store', '--data-dir', join(dir, 'data-nostore')]);
    expect(r.code).toBe(0);
    const waits = r.stdout.split('\n').filter((l) => l.includes('no process matches'));
    expect(waits).toHaveLength(1);
  });
});

describe('leakbar watch --heap-interval', () => {
  it('takes what settings.json takes for MemStats reads (4 s included), says so in --help, and refuses less', async () => {
    const help = await leakbar(['watch', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain("--heap-interval <seconds> seconds between reads of Go's MemStats, the heap figures: 1 or more, as in settings.json");
    const data = mkdtempSync(join(tmpdir(), 'leakbar-watch-heap-interval-'));
    try {
      const ok = await leakbar(['watch', '--pid', String(process.pid), '--no-pprof', '--heap-interval', '4', '--duration', '1', '--no-store', '--data-dir', data]);
      expect(ok.code, ok.stderr).toBe(0);
      const refused = await leakbar(['watch', '--pid', String(process.pid), '--no-pprof', '--heap-interval', '0.5', '--duration', '1', '--no-store', '--data-dir', data]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("expected 1 to 86400 seconds, as settings.json's cadences.memStatsMs (1000 to 86400000 ms), got \"0.5\"");
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
