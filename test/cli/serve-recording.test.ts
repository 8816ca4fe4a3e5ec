/**
 * The built `leakbar serve` started beside a `leakbar watch` of the same process and data folder: it says on its
 * terminal that the watch records the history (and its page's status says so), says when it takes over once the
 * watch stops, and says when it stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatcherStatus } from '../../src/shared/status.js';
import { LEAKBAR_BIN } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `leakbar ARGS…` left running, its output collected. */
function run(args: string[]) {
  const child = spawn(process.execPath, [LEAKBAR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return {
    child,
    pid: child.pid!,
    out,
    lines: () => out.stdout.split('\n').filter(Boolean),
    /** Sends `signal` and waits (≤ 15 s) for the exit code. */
    async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) {
        const exit = once(child, 'exit', { signal: AbortSignal.timeout(15_000) });
        child.kill(signal);
        await exit;
      }
      return child.exitCode;
    },
  };
}

describe('leakbar serve beside a leakbar watch of the same process', () => {
  it('says the watch records the history, then that it records it once the watch stops, and that it stopped', async () => {
    const sleep = spawn('sleep', ['120'], { stdio: 'ignore' });
    procs.push(sleep);
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-serve-recording-'));
    dirs.push(dataDir);
    const common = ['--pid', String(sleep.pid), '--data-dir', dataDir, '--interval', '0.2', '--no-pprof'];

    const watch = run(['watch', ...common]);
    await until(() => watch.lines().some((l) => /\bpid \d+\s+rss /.test(l)), 20_000, 'the watch’s first sample');
    const serve = run(['serve', ...common]);
    await until(() => /open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)#\/popover/.test(serve.out.stdout), 20_000, 'the serve’s URL');
    const [, origin, token] = /open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)#\/popover/.exec(serve.out.stdout)!;
    const target = `pid-${sleep.pid}`;
    const readerLine = `leakbar: another leakbar (pid ${watch.pid}) records the history of ${target}; this serve shows it and keeps its own samples in memory until that one stops`;
    await until(() => serve.lines().includes(readerLine), 10_000, 'the serve saying it does not record');

    // The page hears it too: the target's status, as the popover reads it.
    const res = await fetch(`${origin}/api/call/status`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ targetId: target }) });
    const status = (await res.json()) as WatcherStatus;
    expect(status.sources.store).toMatchObject({ ok: false, message: expect.stringContaining(`another leakbar (pid ${watch.pid}) records this history`) });

    expect(await watch.stop()).toBe(0);
    const tookOver = `leakbar: this serve records the history of ${target} now (pid ${watch.pid} stopped recording it)`;
    await until(() => serve.lines().includes(tookOver), 15_000, 'the serve saying it records');
    // Once per change: a second more of samples says nothing again.
    await new Promise((ok) => setTimeout(ok, 1000));
    expect(serve.lines().filter((l) => l === readerLine || l === tookOver)).toEqual([readerLine, tookOver]);

    expect(await serve.stop('SIGINT')).toBe(0);
    expect(serve.lines().at(-1)).toBe('leakbar: stopped serving (SIGINT)');
    expect(serve.out.stderr).not.toMatch(/still busy/);
  });
});

describe('leakbar serve --match with several matches', () => {
  it('says on its terminal which process it watches, as watch does', async () => {
    // Two programs the pattern matches, started one after the other: the second is the newer.
    const marker = `leakbar-several-${process.pid}`;
    const program = (name: string) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', name], { stdio: 'ignore' });
    const first = program(`${marker}-a`);
    procs.push(first);
    await new Promise((r) => setTimeout(r, 50));
    const second = program(`${marker}-b`);
    procs.push(second);
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-serve-several-'));
    dirs.push(dataDir);
    const serve = run(['serve', '--match', `${marker}-`, '--data-dir', dataDir, '--interval', '0.2', '--no-pprof']);
    await until(() => / processes match /.test(serve.out.stdout), 20_000, 'the note on which process it watches');
    expect(serve.lines().find((l) => / processes match /.test(l))).toMatch(new RegExp(`^leakbar: [\\w-]+: 2 processes match /${marker}-/: watching the newest, pid ${second.pid} `));
    expect(await serve.stop()).toBe(0);
  });

  it('says on its terminal, once, that the pprof endpoint refuses, as watch does', async () => {
    const sleep = spawn('sleep', ['120'], { stdio: 'ignore' });
    procs.push(sleep);
    // A port nobody listens on: taken, then let go.
    const port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => ok(p));
      });
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-serve-problems-'));
    dirs.push(dataDir);
    const serve = run(['serve', '--pid', String(sleep.pid), '--pprof', `127.0.0.1:${port}`, '--data-dir', dataDir, '--interval', '0.2', '--heap-interval', '1']);
    const refused = (source: string) => serve.lines().filter((l) => l.includes(`problem (${source}): GET http://127.0.0.1:${port}/debug/pprof/`) && l.includes('connection refused'));
    await until(() => refused('goroutines').length > 0 && refused('memstats').length > 0, 20_000, 'the pprof problems on the terminal');
    // Said once each, not at every sample.
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(refused('goroutines')).toHaveLength(1);
    expect(refused('memstats')).toHaveLength(1);
    expect(refused('goroutines')[0]).toMatch(/^leakbar: pid-\d+: \d\d:\d\d:\d\d {2}problem \(goroutines\)/);
    expect(await serve.stop()).toBe(0);
  });
});
