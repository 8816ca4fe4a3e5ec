import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LeakbarError } from '../shared/errors.js';
import { fsError } from './deps.js';
import { createCollectors, createExec, createFileReader } from './index.js';
import type { ExecFn } from './types.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');

/** A macOS as ps, lsof and vmmap describe it: answers by tool and first arguments. */
function fakeMac(): { exec: ExecFn; calls: string[][] } {
  const calls: string[][] = [];
  const exec: ExecFn = async (file, args) => {
    calls.push([file, ...args]);
    const pid = args.at(-1);
    if (file === '/bin/ps' && args[0] === '-o') return pid === '3066' ? ' 3066  2757  10240 4194304   0:10.00 Ss   Mon Nov  3 14:30:05 2025     /usr/local/bin/server --port 8080\n' : '';
    if (file === '/bin/ps' && args[0] === '-M') return sample('ps-M-macos-1.txt');
    if (file === '/bin/ps' && args[0] === '-axo') return `    1     0 /sbin/launchd\n 2757     1 -zsh\n 3066  2757 /usr/local/bin/server --port 8080\n 4000  2757 node /x/leakbar.js watch --match server\n 4001  4000 /bin/ps -axo pid=,ppid=,command=\n`;
    if (file === '/usr/sbin/lsof') return pid === '3066' ? ['p3066', 'fcwd', 'tDIR', 'n/', 'f0', 'tCHR', 'n/dev/null', 'f3', 'tIPv4', 'n127.0.0.1:8080', 'f4', 'tKQUEUE', 'ncount=0, state=0x8', 'f5', 'tREG', 'n/tmp/a', ''].join('\n') : '';
    if (file === '/usr/bin/vmmap') return sample('vmmap-summary-1.txt');
    throw new LeakbarError('tool-missing', `${file} not faked`);
  };
  return { exec, calls };
}

describe('createCollectors', () => {
  it('picks procfs on Linux and ps, lsof and vmmap on macOS, and refuses other platforms', () => {
    expect(createCollectors({ platform: 'linux' }).platform).toBe('linux');
    expect(createCollectors({ platform: 'darwin' }).platform).toBe('darwin');
    expect(() => createCollectors({ platform: 'win32' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });

  it('on macOS reads figures from ps, threads from ps -M, and CPU % between two readings', async () => {
    let nowMs = 10_000;
    const mac = fakeMac();
    const c = createCollectors({ platform: 'darwin', exec: mac.exec, now: () => nowMs, selfPid: 4001 });
    const first = await c.readProcess(3066, null);
    expect(first.figures).toMatchObject({ pid: 3066, rssBytes: 10240 * 1024, vszBytes: 4194304 * 1024, cpuPercent: null, threads: 3, state: 'S', command: '/usr/local/bin/server --port 8080' });
    expect(first.mark).toEqual({ pid: 3066, cpuTimeMs: 10_000, atMs: 10_000 });
    nowMs = 15_000;
    expect((await c.readProcess(3066, { pid: 3066, cpuTimeMs: 9000, atMs: 10_000 })).figures.cpuPercent).toBe(20);
    await expect(c.readProcess(9999, null)).rejects.toMatchObject({ code: 'no-such-process' });
    expect(mac.calls[0]).toEqual(['/bin/ps', '-o', 'pid=,ppid=,rss=,vsz=,time=,state=,lstart=,command=', '-p', '3066']);
  });

  it('on macOS counts and breaks down FDs with lsof -F (no limit), and reads vmmap', async () => {
    const mac = fakeMac();
    const c = createCollectors({ platform: 'darwin', exec: mac.exec });
    expect(await c.countFds(3066)).toBe(4);
    const b = await c.readFdBreakdown(3066, ['/tmp']);
    expect(b).toMatchObject({ total: 4, limit: null, patterns: [{ pattern: '/tmp', count: 1 }] });
    expect(b.byType).toMatchObject({ chr: 1, ipv4: 1, kqueue: 1, file: 1 });
    expect(mac.calls.find((c) => c[0] === '/usr/sbin/lsof')).toEqual(['/usr/sbin/lsof', '-n', '-P', '-w', '-F', 'ftn', '-p', '3066']);
    await expect(c.countFds(9999)).rejects.toMatchObject({ code: 'no-such-process' });
    expect((await c.readMemoryMap(3066)).physFootprintBytes).toBe(Math.round(100.3 * 2 ** 20));
  });

  it("on macOS hands each reading's signal to the ps, lsof or vmmap it runs", async () => {
    const mac = fakeMac();
    const signals: Array<AbortSignal | undefined> = [];
    const exec: ExecFn = (file, args, options) => {
      signals.push(options.signal);
      return mac.exec(file, args, options);
    };
    const c = createCollectors({ platform: 'darwin', exec });
    const reading = new AbortController();
    await c.readProcess(3066, null, reading.signal);
    await c.countFds(3066, reading.signal);
    await c.readFdBreakdown(3066, [], reading.signal);
    await c.listFds!(3066, reading.signal);
    await c.readMemoryMap(3066, reading.signal);
    await c.findProcesses(/server/, reading.signal);
    // ps -o, ps -M, then one each: lsof ×3, vmmap, ps -axo.
    expect(signals).toHaveLength(7);
    expect(signals.every((s) => s === reading.signal)).toBe(true);
  });

  it('on macOS finds processes by command line, never leakbar or its ancestors', async () => {
    const c = createCollectors({ platform: 'darwin', exec: fakeMac().exec, selfPid: 4000 });
    expect(await c.findProcesses(/server/)).toEqual([{ pid: 3066, command: '/usr/local/bin/server --port 8080' }]);
  });
});

describe('createExec', () => {
  const exec = createExec();
  it('returns stdout of an argument array, never through a shell', async () => {
    expect(await exec('echo', ['a b', '$HOME', ';', 'ls'], { timeoutMs: 5000 })).toBe('a b $HOME ; ls\n');
  });
  it('says tool-missing, naming the tool and where it is expected', async () => {
    await expect(exec('/usr/sbin/no-such-lsof', [], { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'tool-missing', message: expect.stringContaining('no-such-lsof') });
    await expect(exec('/nowhere/lsof', [], { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'tool-missing', hint: expect.stringContaining('/usr/sbin') });
  });
  it('says timeout when the program runs past its time', async () => {
    const t0 = performance.now();
    await expect(exec('sleep', ['5'], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(3000);
  });
  it('says cancelled, and kills the program, when the signal aborts', async () => {
    const stop = new AbortController();
    const marker = `leakbar-cancel-test-${process.pid}-${Date.now()}`;
    const t0 = performance.now();
    const run = exec(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', marker], { timeoutMs: 30_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(performance.now() - t0).toBeLessThan(5000);
    // The program is gone, not left running to its timeout.
    const still = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
    expect(still).toEqual([]);
  });
  it('says io-error for a failing exit code unless the caller allows it', async () => {
    const node = process.execPath;
    await expect(exec(node, ['-e', 'process.stderr.write("oops\\n"); process.exit(3)'], { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'io-error', message: expect.stringContaining('oops') });
    expect(await exec(node, ['-e', 'process.stdout.write("partial\\n"); process.exit(1)'], { timeoutMs: 5000, allowExitCodes: [0, 1] })).toBe('partial\n');
  });
});

describe('createFileReader and fsError', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  it('maps node:fs errors to LeakbarErrors a person can act on', () => {
    expect(fsError(errno('EACCES'), '/proc/1/fd')).toMatchObject({ code: 'permission-denied', hint: expect.stringContaining('same user') });
    expect(fsError(errno('ENOENT'), '/proc/999999999/stat')).toMatchObject({ code: 'no-such-process', message: 'process 999999999 is gone' });
    expect(fsError(errno('ENOENT'), `/proc/${process.pid}/fd/99999`)).toMatchObject({ code: 'not-found' });
    expect(fsError(errno('EIO'), '/proc/1/stat')).toMatchObject({ code: 'io-error' });
  });
  it('reads this process through the default reader, stat types included', async () => {
    const files = createFileReader();
    expect(await files.readFile(`/proc/${process.pid}/stat`)).toMatch(new RegExp(`^${process.pid} \\(`));
    expect(await files.statType!('/dev/null')).toBe('chr');
    expect(await files.statType!('/tmp')).toBe('dir');
    await expect(files.readdir('/proc/999999999/fd')).rejects.toMatchObject({ code: 'no-such-process' });
  });
});
