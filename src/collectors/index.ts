/** The collectors dispatcher: createCollectors() picks procfs on Linux, or ps + lsof + vmmap on macOS, and the pprof endpoint on both. */
import { LeakbarError } from '../shared/errors.js';
import { cpuPercentSince, matchProcesses } from './common.js';
import { createExec, createFileReader } from './deps.js';
import { summarizeFds } from './fds.js';
import { countNumberedFds, runLsof } from './lsof.js';
import { createPprofFetch, readGoroutineCount, readGoroutineLeakCount, readMemStats, readPprofCmdline } from './pprof-http.js';
import { Procfs } from './procfs.js';
import { ancestorsInListing, runPsFigures, runPsList, runPsThreads } from './ps.js';
import type { Collectors, CpuMark, ExecFn, FetchFn, FileReader } from './types.js';
import { runVmmap } from './vmmap.js';

export { createExec, createFileReader } from './deps.js';
export type { Collectors, CpuMark, ExecFn, FetchFn, FileReader, FoundProcess } from './types.js';

/** What the collectors reach the outside world through; every field has a default. */
export interface CollectorDeps {
  /** @default process.platform */
  platform: NodeJS.Platform;
  /** @default createExec() */
  exec: ExecFn;
  /** The pprof GETs; each one is handed the reader's cancel signal. @default createPprofFetch() */
  fetch: FetchFn;
  /** @default createFileReader() */
  files: FileReader;
  /** Epoch ms, for CPU marks. @default Date.now */
  now: () => number;
  /** leakbar's own PID: findProcesses never returns it or its ancestors. @default process.pid */
  selfPid: number;
  /** How long one ps or lsof run may take; vmmap gets 3×. @default 10000 */
  execTimeoutMs: number;
  /** How long one pprof GET may take. @default 5000 */
  fetchTimeoutMs: number;
}

/** The default dependencies, each built fresh. */
export function defaultCollectorDeps(): CollectorDeps {
  return {
    platform: process.platform,
    exec: createExec(),
    fetch: createPprofFetch(),
    files: createFileReader(),
    now: Date.now,
    selfPid: process.pid,
    execTimeoutMs: 10_000,
    fetchTimeoutMs: 5000,
  };
}

/**
 * The collectors of this machine: Linux reads procfs in-process; macOS runs ps, lsof and vmmap
 * (absolute paths, so a Finder-launched app's bare PATH does not matter). Both read the pprof endpoint.
 *
 * @throws LeakbarError 'unsupported' on any other platform.
 */
export function createCollectors(deps: Partial<CollectorDeps> = {}): Collectors {
  const d: CollectorDeps = { ...defaultCollectorDeps(), ...deps };
  const pprof: PprofReaders = {
    readGoroutineCount: (pprofUrl, signal) => readGoroutineCount(pprofUrl, d.fetch, { timeoutMs: d.fetchTimeoutMs, signal }),
    readMemStats: (pprofUrl, signal) => readMemStats(pprofUrl, d.fetch, { timeoutMs: d.fetchTimeoutMs, signal }),
    readGoroutineLeakCount: (pprofUrl, signal) => readGoroutineLeakCount(pprofUrl, d.fetch, { timeoutMs: d.fetchTimeoutMs, signal }),
    readPprofCmdline: (pprofUrl, signal) => readPprofCmdline(pprofUrl, d.fetch, { timeoutMs: d.fetchTimeoutMs, signal }),
  };
  if (d.platform === 'linux') return linuxCollectors(d, pprof);
  if (d.platform === 'darwin') return darwinCollectors(d, pprof);
  throw new LeakbarError('unsupported', `leakbar does not run on ${d.platform}`, { hint: 'it runs on Linux and macOS' });
}

type PprofReaders = Pick<Collectors, 'readGoroutineCount' | 'readMemStats' | 'readGoroutineLeakCount' | 'readPprofCmdline'>;

function linuxCollectors(d: CollectorDeps, pprof: PprofReaders): Collectors {
  const procfs = new Procfs(d.files, d.now);
  return {
    platform: 'linux',
    readProcess: (pid, previous) => procfs.readProcess(pid, previous),
    countFds: (pid) => procfs.countFds(pid),
    readFdBreakdown: (pid, patterns) => procfs.readFdBreakdown(pid, patterns),
    listFds: (pid) => procfs.listFds(pid),
    readFdLimit: (pid) => procfs.readFdLimit(pid),
    readMemoryMap: (pid) => procfs.readMemoryMap(pid),
    findProcesses: (pattern) => procfs.findProcesses(pattern, d.selfPid),
    ...pprof,
  };
}

/**
 * macOS: every reading is a spawn. lsof takes 100 ms or more on a busy process, so the engine
 * should run countFds less often than the process figures there. The FD limit stays null: it is
 * the target's own RLIMIT_NOFILE, which no macOS tool prints for another process.
 */
function darwinCollectors(d: CollectorDeps, pprof: PprofReaders): Collectors {
  const run = (signal: AbortSignal | undefined) => ({ timeoutMs: d.execTimeoutMs, signal });
  return {
    platform: 'darwin',
    async readProcess(pid: number, previous: CpuMark | null, signal?: AbortSignal) {
      const [ps, threads] = await Promise.all([runPsFigures(pid, d.exec, run(signal)), runPsThreads(pid, d.exec, run(signal))]);
      const mark: CpuMark = { pid, cpuTimeMs: ps.cpuTimeMs, atMs: d.now() };
      return {
        figures: {
          pid,
          rssBytes: ps.rssBytes,
          vszBytes: ps.vszBytes,
          cpuPercent: cpuPercentSince(previous, mark),
          threads,
          state: ps.state,
          startTimeMs: ps.startTimeMs,
          command: ps.command,
        },
        mark,
      };
    },
    countFds: async (pid, signal) => countNumberedFds(await runLsof(pid, d.exec, run(signal))),
    readFdBreakdown: async (pid, patterns, signal) => summarizeFds(await runLsof(pid, d.exec, run(signal)), patterns, null),
    listFds: (pid, signal) => runLsof(pid, d.exec, run(signal)),
    readMemoryMap: (pid, signal) => runVmmap(pid, d.exec, { timeoutMs: d.execTimeoutMs * 3, signal }),
    async findProcesses(pattern, signal) {
      const listing = await runPsList(d.exec, run(signal));
      return matchProcesses(listing, pattern, { selfPid: d.selfPid, ancestorPids: ancestorsInListing(listing, d.selfPid) });
    },
    ...pprof,
  };
}
