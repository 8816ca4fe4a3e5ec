/** The Linux collectors against a real Go process (test/fixtures/leaky), checked against /proc, ps and lsof. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { isNumberedFd } from '../../src/collectors/fds.js';
import { parseLsofColumns } from '../../src/collectors/lsof.js';
import type { Collectors } from '../../src/collectors/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const run = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', maxBuffer: 64 << 20 });

describe.skipIf(process.platform !== 'linux')('Linux collectors on a live Go fixture', () => {
  let fx: Fixture;
  let c: Collectors;

  beforeAll(async () => {
    fx = await startFixture();
    c = createCollectors();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('reads the process figures as /proc/PID/status and ps see them', async () => {
    // The Go runtime may still be growing right after start: ps must fall between a reading before and one after it.
    const { figures, mark } = await c.readProcess(fx.pid, null);
    const status = readFileSync(`/proc/${fx.pid}/status`, 'utf8');
    const [rssKib, vszKib, nlwp] = run('ps', ['-o', 'rss=,vsz=,nlwp=', '-p', String(fx.pid)]).trim().split(/\s+/).map(Number);
    const after = (await c.readProcess(fx.pid, null)).figures;
    const between = (v: number, a: number, b: number, slack: number) => {
      expect(v).toBeGreaterThanOrEqual(Math.min(a, b) * (1 - slack));
      expect(v).toBeLessThanOrEqual(Math.max(a, b) * (1 + slack));
    };
    expect(figures.pid).toBe(fx.pid);
    between(Number(/^Threads:\s+(\d+)/m.exec(status)![1]), figures.threads, after.threads, 0);
    between(nlwp!, figures.threads, after.threads, 0);
    between(rssKib! * 1024, figures.rssBytes, after.rssBytes, 0.1);
    between(vszKib! * 1024, figures.vszBytes, after.vszBytes, 0.01);
    expect(figures.state).toMatch(/^[RS]$/);
    expect(figures.command).toContain('-addr 127.0.0.1:0');
    expect(figures.startTimeMs).toBeGreaterThan(Date.now() - 120_000);
    expect(figures.startTimeMs).toBeLessThanOrEqual(Date.now());
    expect(figures.cpuPercent).toBeNull();
    const later = await c.readProcess(fx.pid, { ...mark, atMs: mark.atMs - 1000 });
    expect(later.figures.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it('counts and breaks down FDs as lsof does, naming the leaked files', async () => {
    await fx.leak({ fds: 40 });
    const count = await c.countFds(fx.pid);
    const breakdown = await c.readFdBreakdown(fx.pid, [`leaky-${fx.pid}-`, '/nowhere/']);
    const lsof = parseLsofColumns(run('lsof', ['-n', '-P', '-w', '-p', String(fx.pid)])).filter((e) => isNumberedFd(e.fd));
    expect(count).toBeGreaterThanOrEqual(40);
    expect(Math.abs(count - lsof.length)).toBeLessThanOrEqual(2);
    expect(Math.abs(breakdown.total - count)).toBeLessThanOrEqual(2);
    const lsofFiles = lsof.filter((e) => e.type === 'file').length;
    expect(breakdown.byType.file).toBe(lsofFiles);
    expect(breakdown.byType.eventpoll).toBe(lsof.filter((e) => e.type === 'eventpoll').length);
    expect(breakdown.byType.pipe).toBe(lsof.filter((e) => e.type === 'pipe').length);
    expect(breakdown.byType.ipv4).toBeGreaterThanOrEqual(1); // the pprof listener
    expect(breakdown.repeated.length).toBeGreaterThanOrEqual(3);
    for (const r of breakdown.repeated.slice(0, 3)) {
      expect(r.name).toMatch(new RegExp(`/leaky-${fx.pid}-\\d+\\.dat$`));
      expect(r.count).toBeGreaterThanOrEqual(13);
    }
    expect(breakdown.patterns).toEqual([
      { pattern: `leaky-${fx.pid}-`, count: 40 },
      { pattern: '/nowhere/', count: 0 },
    ]);
    const softLimit = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${fx.pid}/limits`, 'utf8'))?.[1];
    expect(breakdown.limit).toBe(softLimit === undefined ? null : Number(softLimit));
    const listed = await c.listFds!(fx.pid);
    expect(listed.find((e) => e.type === 'ipv4' && e.name.includes('(LISTEN)'))?.name).toBe(`TCP ${new URL(fx.baseUrl).host} (LISTEN)`);
  });

  it('reads the goroutine count and MemStats from the pprof endpoint', async () => {
    const said = await fx.leak({ goroutines: 100 });
    const n = Number(/goroutines=(\d+)/.exec(said)![1]);
    const count = await c.readGoroutineCount(fx.pprofUrl);
    expect(count).toBeGreaterThanOrEqual(100);
    expect(Math.abs(count - n)).toBeLessThanOrEqual(3);
    const stats = await c.readMemStats(fx.pprofUrl);
    expect(stats.HeapAlloc).toBeGreaterThan(0);
    expect(stats.HeapInuse).toBeGreaterThan(0);
    expect(stats.NumGC).toBeGreaterThanOrEqual(0);
    expect(stats.StackInuse).toBeGreaterThan(0);
  });

  it('reads smaps_rollup, counts the mappings and groups them into regions', async () => {
    const m = await c.readMemoryMap(fx.pid);
    const vmRssBytes = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${fx.pid}/status`, 'utf8'))![1]) * 1024;
    expect(m.source).toBe('smaps');
    expect(Math.abs(m.rssBytes! - vmRssBytes)).toBeLessThan(0.1 * vmRssBytes + 512 * 1024);
    expect(m.pssBytes).toBeGreaterThan(0);
    expect(m.anonymousBytes).toBeGreaterThan(0);
    expect(m.swapBytes).toBeGreaterThanOrEqual(0);
    const maps = readFileSync(`/proc/${fx.pid}/maps`, 'utf8').trim().split('\n').length;
    expect(Math.abs(m.regionCount! - maps)).toBeLessThanOrEqual(2);
    // The regions, from smaps: the Go heap's anonymous arenas and the fixture's own binary, adding up to the rollup's RSS.
    const names = m.regions.map((r) => r.name);
    expect(names).toContain('[anon]');
    expect(names).toContain(readlinkSync(`/proc/${fx.pid}/exe`));
    const resident = m.regions.reduce((n, r) => n + r.residentBytes, 0);
    expect(Math.abs(resident - m.rssBytes!)).toBeLessThan(0.1 * m.rssBytes! + 512 * 1024);
  });

  it('finds the fixture by its command line, and never the test process itself', async () => {
    // Other test files may run their own fixture at the same time: each match must be one.
    const found = await c.findProcesses(/leaky-[0-9a-f]+ -addr 127\.0\.0\.1:0/);
    expect(found.map((p) => p.pid)).toContain(fx.pid);
    for (const p of found) expect(p.command).toMatch(/\/leaky-[0-9a-f]+ -addr 127\.0\.0\.1:0 -duration/);
    const own = readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter(Boolean).join(' ');
    const ownPattern = new RegExp(own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const self = await c.findProcesses(ownPattern);
    expect(self.map((p) => p.pid)).not.toContain(process.pid);
    expect(self.map((p) => p.pid)).not.toContain(process.ppid);
  });

  it('says no-such-process for a PID that has exited', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((ok) => child.once('exit', ok));
    await expect(c.readProcess(pid, null)).rejects.toMatchObject({ code: 'no-such-process', message: `process ${pid} is gone` });
    await expect(c.countFds(pid)).rejects.toMatchObject({ code: 'no-such-process' });
    await expect(c.readFdBreakdown(pid, [])).rejects.toMatchObject({ code: 'no-such-process' });
    await expect(c.readMemoryMap(pid)).rejects.toMatchObject({ code: 'no-such-process' });
  });

  it('says permission-denied for another user’s FDs', async () => {
    if (process.getuid?.() === 0) return; // root may read everything
    await expect(c.countFds(1)).rejects.toMatchObject({ code: 'permission-denied', hint: expect.stringContaining('same user') });
  });

  it('says endpoint-refused for a pprof URL on a closed port', async () => {
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((ok) => probe.close(ok));
    await expect(c.readGoroutineCount(`http://127.0.0.1:${port}/debug/pprof/`)).rejects.toMatchObject({ code: 'endpoint-refused' });
  });
});
