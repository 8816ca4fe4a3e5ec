import { describe, expect, it } from 'vitest';
import { LeakbarError } from '../shared/errors.js';
import type { WatchEvent } from '../shared/events.js';
import type { FdType, Sample, TargetConfig } from '../shared/types.js';
import { FD_TYPES } from '../shared/types.js';
import type { Collectors } from '../collectors/types.js';
import { PPROF_RECHECK_MS, Watcher } from './watcher.js';
import { openSeriesStore, WRITER_LOCK } from './series-store.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An in-memory OS: a table of processes the test changes as it goes. The live tests use the real collectors. */
function memoryOs() {
  const procs = new Map<number, { command: string; fds: number; startTimeMs?: number }>();
  let pprof: 'ok' | 'refuse' | 'hang' = 'ok';
  let leakProfile: number | null = null;
  let pprofCmdline: string | null = null;
  let leakAsks = 0;
  const gone = (pid: number) => new LeakbarError('no-such-process', `process ${pid} is gone`);
  const collectors: Collectors = {
    platform: 'linux',
    async readProcess(pid) {
      const p = procs.get(pid);
      if (!p) throw gone(pid);
      return {
        figures: { pid, rssBytes: 1 << 20, vszBytes: 1 << 22, cpuPercent: 0, threads: 4, state: 'S', startTimeMs: 0, command: p.command },
        mark: { pid, cpuTimeMs: 0, atMs: 0 },
      };
    },
    async countFds(pid) {
      const p = procs.get(pid);
      if (!p) throw gone(pid);
      return p.fds;
    },
    async readFdBreakdown(pid) {
      const p = procs.get(pid);
      if (!p) throw gone(pid);
      const byType = Object.fromEntries(FD_TYPES.map((t) => [t, 0])) as Record<FdType, number>;
      byType.file = p.fds;
      return { total: p.fds, byType, repeated: [], patterns: [], limit: 1024 };
    },
    async readMemoryMap() {
      return { source: 'smaps', rssBytes: 1, pssBytes: 1, anonymousBytes: 1, swapBytes: 0, regionCount: 10, physFootprintBytes: null, physFootprintPeakBytes: null, regions: [], mallocZones: [] };
    },
    async findProcesses(re) {
      return [...procs].filter(([, p]) => re.test(p.command)).map(([pid, p]) => ({ pid, command: p.command, ...(p.startTimeMs === undefined ? {} : { startTimeMs: p.startTimeMs }) }));
    },
    async readGoroutineCount() {
      if (pprof === 'refuse') throw new LeakbarError('endpoint-refused', 'connection refused by 127.0.0.1:6060', { hint: 'is the program serving net/http/pprof?' });
      if (pprof === 'hang') return new Promise<number>(() => {});
      return 42;
    },
    async readMemStats() {
      return { HeapAlloc: 100, HeapInuse: 200, HeapSys: 300, NumGC: 3 };
    },
    async readPprofCmdline() {
      return pprofCmdline;
    },
    async readGoroutineLeakCount() {
      leakAsks++;
      return leakProfile;
    },
  };
  return { procs, collectors, setPprof: (v: typeof pprof) => (pprof = v), setLeakProfile: (v: number | null) => (leakProfile = v), setPprofCmdline: (v: string | null) => (pprofCmdline = v), leakAsks: () => leakAsks };
}

const target = (selector: TargetConfig['selector']): TargetConfig => ({ id: 't', name: 't', selector, pprofUrl: 'http://127.0.0.1:6060/debug/pprof/', fdPatterns: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('Watcher', () => {
  it('follows a matched process across a restart and records the restart', async () => {
    const os = memoryOs();
    os.procs.set(100, { command: '/usr/bin/server --port 1', fds: 10 });
    const w = new Watcher({ target: target({ match: 'server --port' }), collectors: os.collectors, store: null, cadences: { sampleMs: 20 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 2);
    expect(samples[0]).toMatchObject({ pid: 100, fds: 10, goroutines: 42, heapAllocBytes: 100, heapInuseBytes: 200, fdLimit: 1024, swapBytes: 0 });
    os.procs.delete(100);
    os.procs.set(200, { command: '/usr/bin/server --port 1', fds: 12 });
    await until(() => samples.some((s) => s.pid === 200));
    await w.stop();
    expect(events).toContainEqual(expect.objectContaining({ type: 'restart', oldPid: 100, newPid: 200 }));
  });

  it('never puts the old process’s slower figures (heap, memory map, FD limit) on the new one’s samples, and reads them for it at once', async () => {
    const os = memoryOs();
    os.procs.set(100, { command: '/usr/bin/server --port 1', fds: 10 });
    // Each process's slower figures tell whose they are: heap in use, mappings and FD limit of 100 or of 200.
    const running = () => [...os.procs.keys()][0] ?? 0;
    const collectors: Collectors = {
      ...os.collectors,
      readMemStats: async () => ({ HeapAlloc: running(), HeapInuse: running(), HeapSys: 1, NumGC: 1 }),
      readMemoryMap: async (pid) => ({ ...(await os.collectors.readMemoryMap(pid)), regionCount: pid }),
      readFdBreakdown: async (pid) => ({ ...(await os.collectors.readFdBreakdown(pid, [])), limit: pid }),
    };
    // The slower readings run at start, and then not at their own turn during the test.
    const w = new Watcher({ target: target({ match: 'server --port' }), collectors, store: null, cadences: { sampleMs: 20, fdBreakdownMs: 600_000, memStatsMs: 600_000, memoryMapMs: 600_000 } });
    const samples: Sample[] = [];
    w.onSample((s) => samples.push(s));
    await w.start();
    await until(() => samples.length >= 2);
    expect(samples[0]).toMatchObject({ pid: 100, heapInuseBytes: 100, regionCount: 100, fdLimit: 100 });
    os.procs.delete(100);
    os.procs.set(200, { command: '/usr/bin/server --port 1', fds: 12 });
    const of200 = () => samples.filter((s) => s.pid === 200);
    await until(() => of200().some((s) => s.heapInuseBytes !== undefined && s.regionCount !== undefined && s.fdLimit !== undefined));
    await w.stop();
    for (const s of of200()) {
      for (const key of ['heapInuseBytes', 'regionCount', 'fdLimit'] as const) if (s[key] !== undefined) expect(s[key], key).toBe(200);
    }
  });

  it('records a restart that happened while it was not watching: the history’s last process is not the one found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-watcher-restart-'));
    try {
      const before = await openSeriesStore(dir);
      before.append({ timeMs: Date.now() - 60_000, pid: 100, fds: 10 });
      await before.close();
      const os = memoryOs();
      os.procs.set(200, { command: '/usr/bin/server --port 1', fds: 12 });
      const store = await openSeriesStore(dir);
      const w = new Watcher({ target: target({ match: 'server --port' }), collectors: os.collectors, store, cadences: { sampleMs: 20 } });
      const events: WatchEvent[] = [];
      w.onEvent((e) => events.push(e));
      await w.start();
      await until(() => w.status().pid === 200);
      await w.stop();
      expect(events.filter((e) => e.type === 'restart')).toEqual([expect.objectContaining({ oldPid: 100, newPid: 200 })]);
      expect(store.events().filter((e) => e.type === 'restart')).toHaveLength(1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits, saying so once, while nothing matches', async () => {
    const os = memoryOs();
    const w = new Watcher({ target: target({ match: 'nothing-like-this' }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const events: WatchEvent[] = [];
    w.onEvent((e) => events.push(e));
    await w.start();
    await sleep(120);
    expect(w.status().state).toBe('waiting');
    os.procs.set(5, { command: 'nothing-like-this', fds: 1 });
    await until(() => w.status().pid === 5);
    await w.stop();
    const waits = events.filter((e) => e.type === 'status' && !e.ok);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ source: 'target', message: 'no process matches /nothing-like-this/ yet; waiting for one' });
  });

  it('reports a refusing pprof endpoint once and keeps the system figures coming', async () => {
    const os = memoryOs();
    os.procs.set(7, { command: 'x', fds: 3 });
    os.setPprof('refuse');
    const w = new Watcher({ target: target({ pid: 7 }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 5);
    os.setPprof('ok');
    await until(() => samples.at(-1)?.goroutines === 42);
    // Said to work again once steady: three good reads in a row.
    await until(() => events.some((e) => e.type === 'status' && e.source === 'goroutines' && e.ok));
    await w.stop();
    expect(samples[0]!.fds).toBe(3);
    expect(samples[0]!.goroutines).toBeUndefined();
    const g = events.filter((e) => e.type === 'status' && e.source === 'goroutines');
    expect(g.map((e) => e.type === 'status' && e.ok)).toEqual([false, true]);
    expect(g[0]).toMatchObject({ message: 'connection refused by 127.0.0.1:6060', code: 'endpoint-refused' });
  });

  it('says an endpoint that fails every other read once, not as a problem and a recovery at every sample', async () => {
    const os = memoryOs();
    os.procs.set(7, { command: 'x', fds: 3 });
    os.setPprof('refuse');
    const w = new Watcher({ target: target({ pid: 7 }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    // It flaps at each sample for 20 samples, then answers steadily.
    w.onSample((s) => {
      samples.push(s);
      if (samples.length <= 20) os.setPprof(samples.length % 2 ? 'ok' : 'refuse');
    });
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 20);
    const said = () => events.filter((e) => e.type === 'status' && e.source === 'goroutines').map((e) => e.type === 'status' && e.ok);
    expect(said()).toEqual([false]);
    expect(samples.some((s) => s.goroutines === 42)).toBe(true);
    os.setPprof('ok');
    await until(() => said().length === 2);
    await w.stop();
    expect(said()).toEqual([false, true]);
  });

  it('keeps nothing from a tick that outlives stop(): what is stored is what was told', async () => {
    const os = memoryOs();
    os.procs.set(8, { command: 'x', fds: 3 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let counts = 0;
    const collectors: Collectors = {
      ...os.collectors,
      async countFds() {
        // The second tick hangs here until after stop().
        if (++counts === 2) await gate;
        return 3;
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-watcher-stop-'));
    try {
      const store = await openSeriesStore(dir);
      const w = new Watcher({ target: target({ pid: 8 }), collectors, store, cadences: { sampleMs: 100 } });
      const told: Sample[] = [];
      const events: WatchEvent[] = [];
      w.onSample((x) => told.push(x));
      w.onEvent((e) => events.push(e));
      await w.start();
      await until(() => counts >= 2);
      await w.stop();
      const eventsAtStop = events.length;
      release();
      await sleep(50);
      await store.close();
      expect(told).toHaveLength(1);
      expect(events).toHaveLength(eventsAtStop);
      expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts no jobs when stopped while its first readings were under way', async () => {
    const os = memoryOs();
    os.procs.set(8, { command: 'x', fds: 3 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    const collectors: Collectors = {
      ...os.collectors,
      async readFdBreakdown(pid, patterns) {
        await gate;
        return os.collectors.readFdBreakdown(pid, patterns);
      },
      async readProcess(pid, mark) {
        reads++;
        return os.collectors.readProcess(pid, mark);
      },
    };
    const w = new Watcher({ target: target({ pid: 8 }), collectors, store: null, cadences: { sampleMs: 10 } });
    const starting = w.start();
    await sleep(20);
    await w.stop();
    release();
    await starting;
    const readsAtStop = reads;
    await sleep(100);
    expect(reads).toBe(readsAtStop);
    expect(w.status().state).toBe('stopped');
  });

  it('says each distinct problem of a failing source once, even when two alternate tick after tick', async () => {
    const os = memoryOs();
    os.procs.set(8, { command: 'x', fds: 3 });
    os.setPprof('refuse');
    const w = new Watcher({ target: target({ pid: 8 }), collectors: os.collectors, store: null, cadences: { sampleMs: 250 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    // Refused, then no answer, then refused again…: the endpoint of a program under load.
    w.onSample((s) => {
      samples.push(s);
      os.setPprof(samples.length % 2 ? 'hang' : 'refuse');
    });
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 6);
    await w.stop();
    const said = events.filter((e) => e.type === 'status' && e.source === 'goroutines' && !e.ok).map((e) => (e as { message: string }).message);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/refused/);
    expect(said[1]).toMatch(/no answer within/);
  });

  it('does not let a hanging endpoint hold back the sample', async () => {
    const os = memoryOs();
    os.procs.set(8, { command: 'x', fds: 3 });
    os.setPprof('hang');
    const w = new Watcher({ target: target({ pid: 8 }), collectors: os.collectors, store: null, cadences: { sampleMs: 250 } });
    const samples: Sample[] = [];
    w.onSample((s) => samples.push(s));
    await w.start();
    await until(() => samples.length >= 2);
    await w.stop();
    expect(samples[0]!.fds).toBe(3);
    expect(w.status().sources.goroutines).toMatchObject({
      ok: false,
      message: 'GET http://127.0.0.1:6060/debug/pprof/goroutine?debug=1: no answer within 200 ms',
      hint: 'the program may be stuck, stopped in a debugger, or this is not its pprof address',
    });
  });

  it('carries the runtime’s leaked-goroutine count where the profile exists, and stops asking where it does not', async () => {
    const withProfile = memoryOs();
    withProfile.procs.set(3, { command: 'x', fds: 1 });
    withProfile.setLeakProfile(7);
    const a = new Watcher({ target: target({ pid: 3 }), collectors: withProfile.collectors, store: null, cadences: { sampleMs: 10, memStatsMs: 20 } });
    const samples: Sample[] = [];
    a.onSample((s) => samples.push(s));
    await a.start();
    await until(() => samples.length >= 3);
    await a.stop();
    expect(samples[0]!.leakedGoroutines).toBe(7);

    const without = memoryOs();
    without.procs.set(4, { command: 'x', fds: 1 });
    const b = new Watcher({ target: target({ pid: 4 }), collectors: without.collectors, store: null, cadences: { sampleMs: 10, memStatsMs: 20 } });
    const bs: Sample[] = [];
    b.onSample((s) => bs.push(s));
    await b.start();
    await sleep(150);
    await b.stop();
    expect(without.leakAsks()).toBe(1);
    // MemStats were read (a sample lacks them only when a loaded machine let them go stale: fresh is 2.5 cadences),
    // and no sample carries a leaked-goroutine count.
    expect(bs.some((s) => s.heapInuseBytes === 200)).toBe(true);
    expect(bs.every((s) => s.leakedGoroutines === undefined)).toBe(true);
  });

  it('says when several processes match, and leaves out pprof figures of an endpoint that serves another process', async () => {
    const os = memoryOs();
    os.procs.set(10, { command: '/bin/server --port 1', fds: 1 });
    os.procs.set(11, { command: '/bin/server --port 2', fds: 2 });
    os.setPprofCmdline('/bin/server --port 1');
    const w = new Watcher({ target: target({ match: 'server' }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 4);
    await w.stop();
    expect(events.find((e) => e.type === 'status' && e.source === 'target' && e.ok && e.code === 'several-match')).toMatchObject({
      message: '2 processes match /server/: watching the highest PID, pid 11 (/bin/server --port 2); also 10 (/bin/server --port 1)',
    });
    const pprof = events.filter((e) => e.type === 'status' && e.source === 'pprof');
    expect(pprof).toHaveLength(1);
    expect(pprof[0]).toMatchObject({ ok: false, message: expect.stringContaining('belongs to another program (/bin/server --port 1), not to pid 11') });
    expect(samples.at(-1)!.goroutines).toBeUndefined();
    expect(samples.at(-1)!.fds).toBe(2);
  });

  it('follows the newest of several matches by start time, not by PID (PIDs wrap around)', async () => {
    const os = memoryOs();
    os.procs.set(900, { command: '/bin/server --port 1', fds: 1, startTimeMs: 1_000 });
    os.procs.set(12, { command: '/bin/server --port 2', fds: 2, startTimeMs: 5_000 });
    const w = new Watcher({ target: target({ match: 'server' }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 2);
    await w.stop();
    expect(samples.at(-1)!.pid).toBe(12);
    expect(events.find((e) => e.type === 'status' && e.source === 'target' && e.ok)).toMatchObject({ message: expect.stringContaining('watching the newest, pid 12') });
  });

  it('checks a --pid target’s endpoint before its first heap figures, so not even the first sample mixes two programs', async () => {
    const os = memoryOs();
    os.procs.set(12, { command: '/bin/server --port 2', fds: 2 });
    os.setPprofCmdline('/bin/server --port 1');
    const w = new Watcher({ target: target({ pid: 12 }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const samples: Sample[] = [];
    w.onSample((s) => samples.push(s));
    await w.start();
    await until(() => samples.length >= 2);
    await w.stop();
    expect(samples[0]!.heapAllocBytes).toBeUndefined();
    expect(samples[0]!.goroutines).toBeUndefined();
    expect(samples[0]!.rssBytes).toBe(1 << 20);
  });

  it('holds an endpoint’s figures back while its owner is still being checked, and drops them when it is another program', async () => {
    const os = memoryOs();
    os.procs.set(12, { command: '/bin/server --port 2', fds: 2 });
    // The check answers after start() stopped waiting (1 s); the goroutine count and MemStats answer at once.
    const collectors: Collectors = {
      ...os.collectors,
      async readPprofCmdline() {
        await sleep(1300);
        return '/bin/server --port 1';
      },
    };
    const w = new Watcher({ target: target({ pid: 12 }), collectors, store: null, cadences: { sampleMs: 20 } });
    const samples: Sample[] = [];
    w.onSample((s) => samples.push(s));
    await w.start();
    await sleep(600);
    await w.stop();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.filter((s) => s.goroutines !== undefined || s.heapAllocBytes !== undefined)).toEqual([]);
  });

  it('checks an endpoint that does not answer like pprof again every PPROF_RECHECK_MS, and says once when it is the watched process’s own', async () => {
    const os = memoryOs();
    os.procs.set(12, { command: '/bin/server --port 2', fds: 2 });
    let cmdline: 'garbage' | 'own' = 'garbage';
    let checks = 0;
    const collectors: Collectors = {
      ...os.collectors,
      async readPprofCmdline() {
        checks++;
        if (cmdline === 'garbage') throw new LeakbarError('endpoint-garbage', 'the pprof endpoint at http://127.0.0.1:6060/debug/pprof/ does not answer like Go\'s net/http/pprof (got an empty answer)');
        return '/bin/server --port 2';
      },
    };
    // The clock stands still unless the test moves it: no re-check can come from samples alone.
    let nowMs = 1_000_000;
    const w = new Watcher({ target: target({ pid: 12 }), collectors, store: null, cadences: { sampleMs: 10, memStatsMs: 60_000 }, now: () => nowMs });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    await until(() => samples.length >= 10);
    expect(checks).toBe(1);
    expect(samples.filter((s) => s.goroutines !== undefined || s.heapAllocBytes !== undefined)).toEqual([]);

    cmdline = 'own';
    nowMs += PPROF_RECHECK_MS - 1;
    const seen = samples.length;
    await until(() => samples.length >= seen + 10);
    expect(checks).toBe(1);
    nowMs += 1;
    await until(() => samples.some((s) => s.goroutines === 42 && s.heapAllocBytes === 100));
    await sleep(50);
    await w.stop();
    expect(checks).toBe(2);
    const pprof = events.filter((e) => e.type === 'status' && e.source === 'pprof');
    expect(pprof.map((e) => e.type === 'status' && [e.ok, e.message])).toEqual([
      [false, "the pprof endpoint at http://127.0.0.1:6060/debug/pprof/ does not answer like Go's net/http/pprof (got an empty answer)"],
      [true, "the pprof endpoint at http://127.0.0.1:6060/debug/pprof/ is now pid 12's own (/bin/server --port 2); its goroutine and heap figures are back"],
    ]);
  });

  it('says once that a watched PID exited', async () => {
    const os = memoryOs();
    os.procs.set(9, { command: 'x', fds: 3 });
    const w = new Watcher({ target: target({ pid: 9 }), collectors: os.collectors, store: null, cadences: { sampleMs: 10 } });
    const events: WatchEvent[] = [];
    w.onEvent((e) => events.push(e));
    await w.start();
    await sleep(30);
    os.procs.delete(9);
    await sleep(150);
    await w.stop();
    const exits = events.filter((e) => e.type === 'status' && e.source === 'target' && !e.ok);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ message: 'process 9 has exited' });
  });

  it('says the history is not recorded while another leakbar records it, and that it is once that one is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-watcher-lock-'));
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
      const store = await openSeriesStore(dir, { lockRetryMs: 0 });
      const os = memoryOs();
      os.procs.set(9, { command: 'x', fds: 3 });
      const w = new Watcher({ target: target({ pid: 9 }), collectors: os.collectors, store, cadences: { sampleMs: 10 } });
      const events: WatchEvent[] = [];
      w.onEvent((e) => events.push(e));
      await w.start();
      await until(() => w.status().sources.store?.ok === false);
      expect(w.status().sources.store?.message).toContain(`another leakbar (pid ${other.pid}) records this history`);
      other.kill('SIGKILL');
      await once(other, 'exit');
      await until(() => w.status().sources.store?.ok === true);
      await w.stop();
      await store.close();
      const said = events.filter((e) => e.type === 'status' && e.source === 'store');
      expect(said).toEqual([expect.objectContaining({ ok: false, code: 'busy' }), expect.objectContaining({ ok: true, code: 'took-over', message: 'this leakbar records the history now: the one that did stopped' })]);
      expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
    } finally {
      other.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
