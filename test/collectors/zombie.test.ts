import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollectors, createExec } from '../../src/collectors/index.js';
import { runPsFigures } from '../../src/collectors/ps.js';
import { parseProcStat } from '../../src/collectors/procfs.js';
import { leakbar } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.platform !== 'linux')('a process that has exited but is not reaped (a zombie)', () => {
  // `sleep 0.1` is the child of a `sleep` that never waits for it: once it exits it stays a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 20'], { stdio: 'ignore' });
  afterAll(() => {
    parent.kill('SIGKILL');
  });

  it('is reported as exited, not sampled as zeros', async () => {
    let zombie: number | null = null;
    for (let i = 0; i < 100 && zombie === null; i++) {
      await sleep(50);
      const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      zombie = children.find((pid) => parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state === 'Z') ?? null;
    }
    expect(zombie, 'no zombie child appeared within 5 s').not.toBeNull();
    // Its parent is the `sleep` the shell became: named, so a person who sees it in `ps` as <defunct> knows why.
    await expect(createCollectors().readProcess(zombie!, null)).rejects.toMatchObject({
      code: 'no-such-process',
      message: `process ${zombie} has exited: it is a zombie, not yet reaped by its parent (sleep, PID ${parent.pid})`,
    });
    // The command says so too, not "no process has PID N" (which `ps -p N` would contradict).
    const r = await leakbar(['watch', '--pid', String(zombie), '--no-pprof', '--no-store', '--duration', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `leakbar: process ${zombie} has exited: it is a zombie, not yet reaped by its parent (sleep, PID ${parent.pid}) (nothing of it is left to watch: its parent collects its exit status when it calls wait, or when it exits itself; watch by --match REGEX to wait for the program's next run)\n`,
    );
    // The collector's error says it is a zombie by its reason, not only in words.
    await expect(createCollectors().readProcess(zombie!, null)).rejects.toMatchObject({ code: 'no-such-process', reason: 'zombie' });
    // So does the ps path (macOS's), here with procps' ps, which takes the same columns.
    await expect(runPsFigures(zombie!, createExec(), { psPath: 'ps', timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'no-such-process', reason: 'zombie' });
    // Each command that takes a --pid says what it can do instead, in its own terms.
    const said = `leakbar: process ${zombie} has exited: it is a zombie, not yet reaped by its parent (sleep, PID ${parent.pid}) (nothing of it is left to watch: its parent collects its exit status when it calls wait, or when it exits itself; `;
    const data = mkdtempSync(join(tmpdir(), 'leakbar-zombie-'));
    try {
      const runs: [string[], string][] = [
        [['capture', 'system', '--pid', String(zombie), '--data-dir', data], 'capture by --match REGEX when the program runs again, or give the PID of its next run'],
        [['serve', '--pid', String(zombie), '--no-pprof', '--data-dir', data], 'serve by --match REGEX (or "match" for that target in the --config file) to wait for the program\'s next run'],
        [['overnight', '--pid', String(zombie), '--out', join(data, 'night.md'), '--data-dir', data], "run the overnight test by --match REGEX to wait for the program's next run"],
      ];
      for (const [args, hint] of runs) {
        const c = await leakbar(args);
        expect(c.code, args[0]).toBe(1);
        expect(c.stderr).toBe(`${said}${hint})\n`);
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});

const hasCompiler = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(process.platform !== 'linux' || !hasCompiler)('a process whose main thread exited while others run (skipped without a C compiler: the fixture is C)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-main-exits-'));
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is sampled through a running thread, not reported as exited, and is exited once it is', async () => {
    const bin = join(dir, 'main-thread-exits');
    execFileSync('cc', ['-O2', '-pthread', '-o', bin, fileURLToPath(new URL('../fixtures/main-thread-exits/main.c', import.meta.url))]);
    const proc = spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    await new Promise<void>((ok, fail) => {
      proc.stdout.once('data', () => ok());
      proc.once('exit', (code) => fail(new Error(`the fixture exited (${code}) before it was ready`)));
    });
    const pid = proc.pid!;
    // The main thread is a zombie within moments of saying ready.
    for (let i = 0; i < 100 && parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state !== 'Z'; i++) await sleep(20);
    expect(parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state).toBe('Z');
    expect(readdirSync(`/proc/${pid}/fd`)).toEqual([]);

    const c = createCollectors();
    const { figures } = await c.readProcess(pid, null);
    expect(figures.threads).toBe(3);
    expect(figures.rssBytes).toBeGreaterThan(32 << 20); // both threads' 16 MB, through a running thread's status
    expect(figures.state).toMatch(/^[RS]$/);
    expect(figures.command).toBe(bin);
    const tid = readdirSync(`/proc/${pid}/task`).find((t) => Number(t) !== pid)!;
    const fds = readdirSync(`/proc/${pid}/task/${tid}/fd`).length;
    expect(await c.countFds(pid)).toBe(fds);
    const breakdown = await c.readFdBreakdown(pid, ['/dev/null']);
    expect(breakdown.total).toBe(fds);
    const devNull = readdirSync(`/proc/${pid}/task/${tid}/fd`).filter((fd) => readlinkSync(`/proc/${pid}/task/${tid}/fd/${fd}`) === '/dev/null').length;
    expect(devNull).toBeGreaterThanOrEqual(10); // each thread opened it 5 times
    expect(breakdown.patterns).toEqual([{ pattern: '/dev/null', count: devNull }]);
    expect((await c.readMemoryMap(pid)).rssBytes).toBeGreaterThan(32 << 20);

    // A fresh reader, whose first look is at the FDs, finds them too; and --match finds the process by its command line.
    expect(await createCollectors().countFds(pid)).toBe(fds);
    expect((await createCollectors().readFdBreakdown(pid, [])).total).toBe(fds);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('');
    expect(await createCollectors().findProcesses(/main-thread-exits$/)).toEqual([{ pid, command: bin }]);

    proc.kill('SIGKILL');
    await new Promise((ok) => proc.once('exit', ok));
    await expect(c.readProcess(pid, null)).rejects.toMatchObject({ code: 'no-such-process' });
  });
});
