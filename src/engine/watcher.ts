/**
 * The watcher: samples one target on per-collector cadences, follows it across restarts, keeps
 * its history, and reports failures once as status changes. It never stops on a collector error.
 */
import { describeError, isLeakbarError, LeakbarError } from '../shared/errors.js';
import type { StatusEvent, WatchEvent } from '../shared/events.js';
import type { FdBreakdown, MemoryMap, MemStats, ProcessFigures, Sample, TargetConfig } from '../shared/types.js';

export type { SourceCost, SourceName, SourceStatus, WatcherStatus };
import type { Collectors, CpuMark, FoundProcess } from '../collectors/types.js';
import { noAnswerError } from '../collectors/deps.js';
import { pprofEndpointUrl, pprofOwnerError, sameCommandLine } from '../collectors/pprof-http.js';
import type { SourceCost, SourceName, SourceStatus, WatcherStatus } from '../shared/status.js';
import { startJobs, type JobRunner } from './jobs.js';
import type { SeriesStore } from './series-store.js';

/** How often each collector runs, in ms. */
export interface Cadences {
  /** Process figures, FD count and goroutine count: one sample. @default 5000 */
  sampleMs: number;
  /** FD type breakdown, repeated files, path patterns, limit. @default 30000 */
  fdBreakdownMs: number;
  /** Go MemStats from heap?debug=1. @default 30000 */
  memStatsMs: number;
  /** smaps_rollup or vmmap --summary. @default 300000 */
  memoryMapMs: number;
}

export const DEFAULT_CADENCES: Cadences = { sampleMs: 5000, fdBreakdownMs: 30_000, memStatsMs: 30_000, memoryMapMs: 300_000 };

/**
 * How often a pprof endpoint found to be another program's (or not Go's pprof at all) is checked again:
 * the right program may be started on that address later, and its figures should come back.
 */
export const PPROF_RECHECK_MS = 60_000;

/**
 * How long one run of a job read every `intervalMs` may take before it is cut off: 80 % of the interval, at least
 * 200 ms and at most 20 s, for its readings, and 100 ms more for the run itself. The sample job's is how long a
 * sample's reading may still be under way after it began (`watch` holds its event lines that long).
 */
export function jobTimeoutMs(intervalMs: number): number {
  return readingTimeoutMs(intervalMs) + 100;
}

/** How long each reading of a job read every `intervalMs` may take: 80 % of the interval, 200 ms to 20 s. */
export function readingTimeoutMs(intervalMs: number): number {
  return Math.max(200, Math.min(intervalMs * 0.8, 20_000));
}

/** Options for {@link Watcher}. */
export interface WatcherOptions {
  target: TargetConfig;
  collectors: Collectors;
  /** Where history goes; null keeps it in memory only (a window of `memoryWindow`). */
  store: SeriesStore | null;
  cadences?: Partial<Cadences>;
  /** @default Date.now */
  now?: () => number;
  /** How often an endpoint found to be another program's is checked again. @default PPROF_RECHECK_MS */
  pprofRecheckMs?: number;
}

type Listener<T> = (value: T) => void;

interface Latest<T> {
  value: T;
  atMs: number;
  /** The process it was read for: a restarted program's new process never gets the old one's figures. */
  pid: number;
}

/** A command line cut to a readable length for a one-line message. */
function shorten(command: string, max = 60): string {
  return command.length <= max ? command : `${command.slice(0, max - 1)}…`;
}

/** A reading, as a timeout names it: a local read ("reading the memory map"), or a GET of a pprof page (its base URL and page). */
type Reading = string | { pprofUrl: string; page: string };

/** The timeout error of a reading: a slow local read is a busy machine; a pprof GET without an answer names its URL and the likely causes. */
function timeoutError(what: Reading, ms: number): LeakbarError {
  if (typeof what === 'string') return new LeakbarError('timeout', `${what} took longer than ${ms} ms`, { hint: 'the machine may be busy; leakbar skips this reading' });
  let url = what.pprofUrl;
  try {
    url = pprofEndpointUrl(what.pprofUrl, what.page);
  } catch {
    // A base that is no URL: the reader itself says so; the timeout names the base.
  }
  return noAnswerError(url, ms);
}

/** A promise that rejects with `signal`'s reason once it aborts (and never settles otherwise). */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** How long start() waits for the first slow readings (owner check, FD breakdown, MemStats, memory map) before sampling. */
/** Good reads in a row after a failure before a collector is said to work again (see Watcher.steadyAgain). */
const STEADY_READS = 3;
/** ...or good reads over this long, the first and a later one (a memory map read every 5 minutes need not wait 15). */
const STEADY_MS = 60_000;
const FIRST_READS_WAIT_MS = 1000;
/** The longest a pprof read waits for this watcher's other one to end (capped at a quarter of its own timeout). */
const PPROF_TURN_WAIT_MS = 1000;

/** Watches one target. Call {@link start}, subscribe with {@link onSample} / {@link onEvent}, {@link stop} at the end. */
export class Watcher {
  readonly target: TargetConfig;
  readonly cadences: Cadences;
  private readonly collectors: Collectors;
  private readonly store: SeriesStore | null;
  private readonly now: () => number;
  private readonly pprofRecheckMs: number;
  private readonly pattern: RegExp | null;
  private pid: number | null = null;
  private command: string | null = null;
  private lastPid: number | null = null;
  private cpuMark: CpuMark | null = null;
  private state: WatcherStatus['state'] = 'waiting';
  /** Per failing source, the problems already said since it last worked (steadily: see {@link steadyAgain}). */
  private readonly saidWhileFailing = new Map<SourceName, Set<string>>();
  /**
   * Per source that works again after failing, the good reads in a row so far, and the recovery to say: it is said once
   * {@link STEADY_READS} reads in a row went well (or good reads for {@link STEADY_MS}, for a slow cadence), so an
   * endpoint that fails every other read (a loaded server, an intermittent 500) is said once, not as a problem and a
   * recovery at every sample.
   */
  private readonly steadyAgain = new Map<SourceName, { reads: number; sinceMs: number; event: StatusEvent }>();
  /** The PID whose pprof endpoint's owner is being checked right now: that endpoint's figures wait for the answer. */
  private ownerCheckFor: number | null = null;
  /** Set by stop(): a run that outlives it (stop aborts, it does not wait) keeps nothing. */
  private stopped = false;
  /**
   * Aborted by stop(): cancels the readings that no job runs (the first ones of start(), the owner checks),
   * as the jobs' own signals cancel theirs, so no GET to a hung endpoint outlives the watcher.
   */
  private life = new AbortController();
  private runner: JobRunner | null = null;
  private readonly sources: Partial<Record<SourceName, SourceStatus>> = {};
  private readonly costs = new Map<SourceName, SourceCost>();
  private lastSample: Sample | null = null;
  private process: ProcessFigures | null = null;
  private fdBreakdown: Latest<FdBreakdown> | null = null;
  /** The FD limit read alone, when the breakdown could not be read (another user's process): its share still shows. */
  private fdLimitAlone: Latest<number | null> | null = null;
  private memStats: Latest<MemStats> | null = null;
  /** The end of this watcher's pprof read under way: see {@link pprofTurn}. */
  private pprofBusy: Promise<unknown> = Promise.resolve();
  private memoryMap: Latest<MemoryMap> | null = null;
  private leaked: Latest<number> | null = null;
  /** False once the runtime has said it has no goroutineleak profile (before Go 1.26): not asked again. */
  private leakProfile = true;
  /** The PID whose pprof endpoint was last checked to be its own, when (epoch ms), and whether it was. */
  private pprofCheckedPid: number | null = null;
  private pprofCheckedAtMs = 0;
  private pprofIsOthers = false;
  private readonly sampleListeners = new Set<Listener<Sample>>();
  private readonly eventListeners = new Set<Listener<WatchEvent>>();

  constructor(options: WatcherOptions) {
    this.target = options.target;
    this.collectors = options.collectors;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.pprofRecheckMs = options.pprofRecheckMs ?? PPROF_RECHECK_MS;
    this.cadences = { ...DEFAULT_CADENCES, ...options.cadences };
    const sel = this.target.selector;
    if ('pid' in sel) {
      this.pid = sel.pid;
      this.pattern = null;
    } else {
      try {
        this.pattern = new RegExp(sel.match);
      } catch (e) {
        throw new LeakbarError('bad-input', `--match ${JSON.stringify(sel.match)} is not a valid regular expression: ${(e as Error).message}`);
      }
      // The process the history last saw: one found now under another PID restarted while leakbar was not watching.
      this.lastPid = this.store?.samples().at(-1)?.pid ?? null;
    }
  }

  /** Calls `listener` with every new sample; returns an unsubscribe function. */
  onSample(listener: Listener<Sample>): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  /** Calls `listener` with every restart and status change; returns an unsubscribe function. */
  onEvent(listener: Listener<WatchEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Starts sampling: the slow collectors run once first so the first sample carries their figures. */
  async start(): Promise<void> {
    if (this.runner) return;
    this.stopped = false;
    if (this.life.signal.aborted) this.life = new AbortController();
    const life = this.life.signal;
    const c = this.cadences;
    const budget = readingTimeoutMs;
    await this.resolveTarget(life);
    // A --pid target's command line is known only from a first reading: take it now, so the pprof endpoint's
    // owner is checked before the first MemStats are read (failures are the first tick's to report).
    if (this.pid !== null && !this.command) {
      const p = await this.collectors.readProcess(this.pid, null, life).catch(() => null);
      if (p?.figures.command) this.command = p.figures.command;
    }
    // The owner check runs beside the first MemStats read: figures read from an endpoint found to be another
    // program's are dropped (readMemStats checks again after its read), and a hung endpoint costs one wait, not two.
    const firstReads = Promise.all([
      this.pid !== null && this.command ? this.checkPprofOwner(this.pid, this.command) : undefined,
      this.readFdBreakdown(budget(c.fdBreakdownMs), life),
      this.readMemStats(budget(c.memStatsMs), life),
      this.readMemoryMap(budget(c.memoryMapMs), life),
    ]);
    // A hung endpoint must not hold the start for its whole timeout: what is not read by then lands later.
    let capTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([firstReads, new Promise<void>((ok) => (capTimer = setTimeout(ok, FIRST_READS_WAIT_MS)))]);
    clearTimeout(capTimer);
    // stop() came while the first readings were under way: start no jobs.
    if (this.stopped) return;
    const errorTo = (source: SourceName) => (e: unknown) => this.report(source, e);
    // Each run gets its job's signal (aborted at the job's timeout or at stop), handed down to the readers' GETs.
    this.runner = startJobs([
      { name: 'sample', intervalMs: c.sampleMs, timeoutMs: jobTimeoutMs(c.sampleMs), run: (signal) => this.tick(budget(c.sampleMs), signal), onError: errorTo('process') },
      { name: 'fd-breakdown', intervalMs: c.fdBreakdownMs, firstRunAfterMs: c.fdBreakdownMs, timeoutMs: jobTimeoutMs(c.fdBreakdownMs), run: (signal) => this.readFdBreakdown(budget(c.fdBreakdownMs), signal), onError: errorTo('fd-breakdown') },
      { name: 'memstats', intervalMs: c.memStatsMs, firstRunAfterMs: c.memStatsMs, timeoutMs: jobTimeoutMs(c.memStatsMs), run: (signal) => this.readMemStats(budget(c.memStatsMs), signal), onError: errorTo('memstats') },
      { name: 'memory-map', intervalMs: c.memoryMapMs, firstRunAfterMs: c.memoryMapMs, timeoutMs: jobTimeoutMs(c.memoryMapMs), run: (signal) => this.readMemoryMap(budget(c.memoryMapMs), signal), onError: errorTo('memory-map') },
    ]);
  }

  /**
   * Stops every job, cancels every reading under way (a GET to a hung endpoint closes its connection at once,
   * rather than hold the process open until its timeout), and flushes the history to disk.
   */
  async stop(): Promise<void> {
    const r = this.runner;
    this.runner = null;
    this.stopped = true;
    this.state = 'stopped';
    this.life.abort(new Error('stopped'));
    if (r) await r.stop();
    await this.store?.flush();
  }

  /** A latest reading, if it was read for the process watched now. */
  private ofCurrent<T>(l: Latest<T> | null): T | null {
    return l && l.pid === this.pid ? l.value : null;
  }

  /** The target's state now. */
  status(): WatcherStatus {
    return {
      targetId: this.target.id,
      pid: this.pid,
      command: this.command,
      state: this.state,
      sources: { ...this.sources },
      lastSample: this.lastSample,
      process: this.process,
      fdBreakdown: this.ofCurrent(this.fdBreakdown),
      memStats: this.ofCurrent(this.memStats),
      memoryMap: this.ofCurrent(this.memoryMap),
      costs: [...this.costs.values()].map((c) => ({ ...c })),
      jobs: this.runner?.costs() ?? [],
    };
  }

  /**
   * Runs `fn` as `source`, timing it and recording success or failure; resolves to undefined on failure. `fn`
   * gets a signal of its own that aborts at `timeoutMs` (the reading fails with the timeout) or when `signal`
   * does (its job's timeout, or stop): either way the GET under way is cancelled, not left to run out its own
   * timeout. A cancel by `signal` is not reported here: the job reports its timeout, and a stop is no failure.
   */
  private async timed<T>(source: SourceName, timeoutMs: number, what: Reading, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>, reportOk = true): Promise<T | undefined> {
    let cost = this.costs.get(source);
    if (!cost) this.costs.set(source, (cost = { source, runs: 0, failures: 0, lastMs: 0, totalMs: 0 }));
    const started = performance.now();
    const reading = new AbortController();
    const timer = setTimeout(() => reading.abort(timeoutError(what, timeoutMs)), timeoutMs);
    const onCancel = () => reading.abort(signal.reason);
    if (signal.aborted) onCancel();
    else signal.addEventListener('abort', onCancel, { once: true });
    try {
      const value = await Promise.race([fn(reading.signal), abortion(reading.signal)]);
      if (reportOk) this.report(source, null);
      return value;
    } catch (caught) {
      if (signal.aborted) return undefined;
      cost.failures++;
      // Past the timeout, the timeout is what went wrong, whatever the cancelled reading rejected with.
      const e: unknown = reading.signal.aborted ? reading.signal.reason : caught;
      if (isLeakbarError(e, 'no-such-process')) this.lose(e);
      else this.report(source, e);
      return undefined;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onCancel);
      const ms = performance.now() - started;
      cost.runs++;
      cost.lastMs = ms;
      cost.totalMs += ms;
    }
  }

  /** The process we watched is gone: forget it, and say so once. */
  private lose(e: LeakbarError): void {
    if (this.pid === null) return;
    const gone = this.pid;
    this.pid = null;
    this.cpuMark = null;
    this.state = 'waiting';
    const waiting = this.pattern ? `; waiting for a new process matching /${this.pattern.source}/` : '';
    this.report('target', new LeakbarError('no-such-process', `process ${gone} has exited${waiting}`, { hint: this.pattern ? undefined : 'watch it by --match to follow restarts', cause: e }));
  }

  /** Finds the process to watch when we have none; records a restart when it is a new one. */
  private async resolveTarget(signal: AbortSignal): Promise<void> {
    if (this.pid !== null) return;
    const sel = this.target.selector;
    if ('pid' in sel) {
      // A PID target does not come back; keep probing in case the exit was a misreading.
      this.pid = sel.pid;
      return;
    }
    const found = await this.timed('target', 5000, 'finding the process', signal, (s) => this.collectors.findProcesses(this.pattern!, s), false);
    if (!found) return;
    if (found.length === 0) {
      // The one it watched has just exited: "has exited; waiting for a new process matching …" said this already.
      if (this.sources.target?.ok === false && this.sources.target.code === 'no-such-process') return;
      this.report('target', new LeakbarError('not-found', `no process matches /${sel.match}/ yet; waiting for one`, { hint: 'start the program, or check the pattern against `ps -eo pid,args` (leakbar leaves its own commands out)' }));
      return;
    }
    // Several matches: keep following the newest, as a restarted dev server is the newest, and say so. By start time where
    // the platform gives it (PIDs wrap around), else by the highest PID.
    const byStart = found.every((f) => f.startTimeMs !== undefined);
    const newer = (a: FoundProcess, b: FoundProcess) => (byStart ? b.startTimeMs! > a.startTimeMs! || (b.startTimeMs === a.startTimeMs && b.pid > a.pid) : b.pid > a.pid);
    const pick = found.reduce((a, b) => (newer(a, b) ? b : a));
    if (found.length > 1) {
      const others = found.filter((f) => f.pid !== pick.pid).slice(0, 4).map((f) => `${f.pid} (${shorten(f.command)})`);
      this.emitEvent({
        type: 'status',
        timeMs: this.now(),
        source: 'target',
        ok: true,
        message: `${found.length} processes match /${sel.match}/: watching ${byStart ? 'the newest' : 'the highest PID'}, pid ${pick.pid} (${shorten(pick.command)}); also ${others.join(', ')}`,
        hint: 'narrow --match to the one you mean, or give --pid',
        code: 'several-match',
      });
    }
    this.pid = pick.pid;
    this.command = pick.command;
    this.state = 'watching';
    this.report('target', null);
    if (this.lastPid !== null && this.lastPid !== pick.pid) {
      this.emitEvent({ type: 'restart', timeMs: this.now(), oldPid: this.lastPid, newPid: pick.pid });
      // The old process's slower figures are not the new one's: read them for it now rather than at their next turn.
      for (const job of ['fd-breakdown', 'memstats', 'memory-map']) void this.runner?.runNow(job).catch(() => {});
    }
    this.lastPid = pick.pid;
  }

  private async tick(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const timeMs = this.now();
    await this.resolveTarget(signal);
    let pid = this.pid;
    if (pid === null) return;
    let proc = await this.timed('process', timeoutMs, 'reading the process figures', signal, (s) => this.collectors.readProcess(pid!, this.cpuMark, s));
    if (!proc && this.pid === null && this.pattern) {
      // It exited between ticks: look for its successor now rather than a tick later.
      await this.resolveTarget(signal);
      if (this.pid === null) return;
      pid = this.pid;
      proc = await this.timed('process', timeoutMs, 'reading the process figures', signal, (s) => this.collectors.readProcess(pid!, null, s));
    }
    // A tick still under way when stop() aborted it ends here: after stop nothing is stored or told.
    if (!proc || this.stopped) return;
    if ('pid' in this.target.selector && this.lastPid === null) this.lastPid = pid;
    this.state = 'watching';
    this.cpuMark = proc.mark;
    this.process = proc.figures;
    if (proc.figures.command) this.command = proc.figures.command;
    // A new PID's endpoint is checked at once; one found to be another program's, again every pprofRecheckMs.
    const recheck = this.pprofIsOthers && this.now() - this.pprofCheckedAtMs >= this.pprofRecheckMs;
    if ((this.pprofCheckedPid !== pid || recheck) && proc.figures.command) void this.checkPprofOwner(pid, proc.figures.command);
    const url = this.pprofIsOthers ? null : this.target.pprofUrl;
    const [fds, goroutines] = await Promise.all([
      this.timed('fds', timeoutMs, 'counting open files', signal, (s) => this.collectors.countFds(pid!, s)),
      url ? this.timed('goroutines', timeoutMs, { pprofUrl: url, page: 'goroutine?debug=1' }, signal, (reading) => this.pprofTurn(timeoutMs, reading, () => this.collectors.readGoroutineCount(url, reading))) : undefined,
    ]);
    if (this.pid !== pid || this.stopped) return;
    const f = proc.figures;
    const sample: Sample = { timeMs, pid, rssBytes: f.rssBytes, vszBytes: f.vszBytes, threads: f.threads };
    if (f.cpuPercent !== null) sample.cpuPercent = Math.round(f.cpuPercent * 100) / 100;
    if (fds !== undefined) sample.fds = fds;
    // Until the endpoint is known to be this process's own (or found not to be), its figures stay out.
    const pprofTrusted = !this.pprofIsOthers && this.ownerCheckFor !== pid;
    if (goroutines !== undefined && pprofTrusted) sample.goroutines = goroutines;
    this.addSlowFigures(sample, timeMs);
    this.lastSample = sample;
    if (this.store) {
      this.store.append(sample);
      // The store's status is read only here: a disk that takes writes again, or a takeover from another leakbar
      // that stopped recording this folder, shows at the next sample.
      const tookOver = this.sources.store?.code === 'busy';
      if (tookOver) this.report('store', this.store.writeError(), 'this leakbar records the history now: the one that did stopped', 'took-over');
      else this.report('store', this.store.writeError(), 'the history is recorded on disk');
    }
    for (const l of this.sampleListeners) l(sample);
  }

  /** Adds the slower collectors' latest figures, while they are fresh (younger than 2.5 × their cadence). */
  private addSlowFigures(sample: Sample, timeMs: number): void {
    const fresh = <T>(l: Latest<T> | null, cadenceMs: number) => (l && l.pid === sample.pid && timeMs - l.atMs <= cadenceMs * 2.5 ? l.value : null);
    const fdb = fresh(this.fdBreakdown, this.cadences.fdBreakdownMs);
    const limit = fdb ? fdb.limit : fresh(this.fdLimitAlone, this.cadences.fdBreakdownMs);
    if (limit != null) sample.fdLimit = limit;
    const ms = this.pprofIsOthers || this.ownerCheckFor === sample.pid ? null : fresh(this.memStats, this.cadences.memStatsMs);
    if (ms) {
      const put = (key: keyof Sample, name: string) => {
        const v = ms[name];
        if (typeof v === 'number') (sample[key] as number) = v;
      };
      put('heapAllocBytes', 'HeapAlloc');
      put('heapInuseBytes', 'HeapInuse');
      put('heapSysBytes', 'HeapSys');
      put('heapReleasedBytes', 'HeapReleased');
      put('sysBytes', 'Sys');
      put('numGC', 'NumGC');
    }
    const leaked = fresh(this.leaked, this.cadences.memStatsMs);
    if (leaked !== null) sample.leakedGoroutines = leaked;
    const mm = fresh(this.memoryMap, this.cadences.memoryMapMs);
    if (mm) {
      if (mm.swapBytes !== null) sample.swapBytes = mm.swapBytes;
      if (mm.pssBytes !== null) sample.pssBytes = mm.pssBytes;
      if (mm.physFootprintBytes !== null) sample.physFootprintBytes = mm.physFootprintBytes;
      if (mm.physFootprintPeakBytes !== null) sample.physFootprintPeakBytes = mm.physFootprintPeakBytes;
      if (mm.regionCount !== null) sample.regionCount = mm.regionCount;
    }
  }

  private async readFdBreakdown(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const pid = this.pid;
    if (pid === null) return;
    const v = await this.timed('fd-breakdown', timeoutMs, 'listing open files', signal, (s) => this.collectors.readFdBreakdown(pid, this.target.fdPatterns, s));
    if (v) this.fdBreakdown = { value: v, atMs: this.now(), pid };
    else if (this.collectors.readFdLimit && this.pid === pid && !signal.aborted) {
      // No list (permission denied to /proc/PID/fd), but the limit may be readable: the share of it still shows.
      const limit = await this.collectors.readFdLimit(pid, signal).catch(() => undefined);
      if (limit !== undefined) this.fdLimitAlone = { value: limit, atMs: this.now(), pid };
    }
  }

  /**
   * Checks that the pprof endpoint is the watched process's own (Go serves its command line at
   * `cmdline`): with several copies of a program running, figures from another one would mislead. An
   * endpoint whose `cmdline` is no command line is not Go's pprof: its figures are left out too, and it
   * is checked again every `pprofRecheckMs`, so the right program started there later is noticed (said
   * once). One that does not answer is checked again at the next sample (its readings report it meanwhile).
   * stop() cancels a check under way.
   */
  private async checkPprofOwner(pid: number, command: string): Promise<void> {
    this.ownerCheckFor = pid;
    try {
      await this.checkPprofOwnerNow(pid, command);
    } finally {
      if (this.ownerCheckFor === pid) this.ownerCheckFor = null;
    }
  }

  private async checkPprofOwnerNow(pid: number, command: string): Promise<void> {
    const url = this.target.pprofUrl;
    this.pprofCheckedPid = pid;
    this.pprofCheckedAtMs = this.now();
    if (!url) return;
    let problem: LeakbarError | null;
    let served: string | null;
    try {
      served = await this.collectors.readPprofCmdline(url, this.life.signal);
      // No cmdline page (an older or non-Go server) cannot tell whose it is: its figures are taken.
      problem =
        served === null || sameCommandLine(served, command)
          ? null
          : pprofOwnerError(url, pid, served, command, {
              consequence: 'its goroutine and heap figures are left out',
              // Narrowing --match helps only a watch by --match (it may have picked another copy of the program).
              hint: this.pattern ? 'give --pprof the URL this process serves, or narrow --match' : 'give --pprof the URL this process serves',
            });
    } catch (e) {
      if (!isLeakbarError(e, 'endpoint-garbage')) {
        // No answer (yet): checked again at the next sample.
        if (this.pprofCheckedPid === pid && (isLeakbarError(e, 'timeout') || isLeakbarError(e, 'endpoint-refused'))) this.pprofCheckedPid = null;
        return;
      }
      problem = e;
      served = null;
    }
    if (this.pid !== pid || this.stopped) return;
    const wasOthers = this.pprofIsOthers;
    this.pprofIsOthers = problem !== null;
    if (this.pprofIsOthers) {
      // Whatever was read from that endpoint so far described the other program, or was not Go's.
      this.memStats = null;
      this.leaked = null;
    } else if (wasOthers) {
      // The right program answers there now: its heap figures come at once, not at the next MemStats tick, and
      // whether its runtime has a goroutineleak profile is asked again (the other program's answer said nothing).
      this.leakProfile = true;
      void this.runner?.runNow('memstats');
    }
    const back =
      served === null
        ? `the pprof endpoint at ${url} no longer answers as another program (it has no cmdline page to say whose it is); its goroutine and heap figures are back`
        : `the pprof endpoint at ${url} is now pid ${pid}'s own (${shorten(command)}); its goroutine and heap figures are back`;
    this.report('pprof', problem, back);
  }

  private async readMemStats(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const url = this.pprofIsOthers ? null : this.target.pprofUrl;
    const pid = this.pid;
    if (!url || pid === null) return;
    let v = await this.timed('memstats', timeoutMs, { pprofUrl: url, page: 'heap?debug=1' }, signal, (reading) => this.pprofTurn(timeoutMs, reading, () => this.collectors.readMemStats(url, reading)));
    // The owner check may have found, meanwhile, that the endpoint is another program's.
    if (this.pprofIsOthers) v = undefined;
    if (v) this.memStats = { value: v, atMs: this.now(), pid };
    if (v && this.leakProfile) {
      // Go 1.26's own leaked-goroutine count; a runtime without the profile is not asked again. Its failures stay quiet:
      // the figure is a bonus, and MemStats above already reports an endpoint that is down.
      const leaked = await this.pprofTurn(timeoutMs, signal, () => this.collectors.readGoroutineLeakCount(url, signal)).catch(() => undefined);
      if (leaked === null) this.leakProfile = false;
      else if (leaked !== undefined) this.leaked = { value: leaked, atMs: this.now(), pid };
    }
  }

  /**
   * Runs `read` once this watcher's pprof read under way has ended, waiting at most {@link PPROF_TURN_WAIT_MS} (a
   * quarter of `timeoutMs` at most), or until `signal` aborts: the wait is part of the reading, within its timeout.
   * The endpoint serves each request on a goroutine of the program (two, with the connection's background read), so
   * a goroutine count taken while MemStats were read (every 30 s, at a sample's very moment) counted one or two more
   * than the program had: a flicker in the figure watched for growth.
   */
  private pprofTurn<T>(timeoutMs: number, signal: AbortSignal, read: () => Promise<T>): Promise<T> {
    const before = this.pprofBusy;
    const mine = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stop = () => {};
      await Promise.race([
        before,
        new Promise<void>((ok) => {
          timer = setTimeout(ok, Math.min(PPROF_TURN_WAIT_MS, timeoutMs / 4));
          stop = () => ok();
          signal.addEventListener('abort', stop, { once: true });
        }),
      ]);
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      signal.throwIfAborted();
      return read();
    })();
    this.pprofBusy = mine.catch(() => {});
    return mine;
  }

  private async readMemoryMap(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const pid = this.pid;
    if (pid === null) return;
    const v = await this.timed('memory-map', timeoutMs, 'reading the memory map', signal, (s) => this.collectors.readMemoryMap(pid, s));
    if (v) this.memoryMap = { value: v, atMs: this.now(), pid };
  }

  /** Records a source's health; emits a status event only when it changes (never a flood), with `okMessage` when it recovers. */
  private report(source: SourceName, error: unknown, okMessage?: string, okCode?: string): void {
    const prev = this.sources[source];
    if (error === null || error === undefined) {
      const steady = this.steadyAgain.get(source);
      if (prev && !prev.ok) {
        this.sources[source] = { ok: true, message: '', sinceMs: this.now() };
        const message = okMessage ?? (source === 'target' ? `watching pid ${this.pid}` : `${source} is readable again`);
        const event: StatusEvent = { type: 'status', timeMs: this.now(), source, ok: true, message, ...(okCode ? { code: okCode } : {}) };
        // The process, the store and the endpoint's owner say so at once (a restart, a takeover, a disk with room again,
        // the right program back); a collector once steady.
        if (source === 'target' || source === 'store' || source === 'pprof') {
          this.saidWhileFailing.delete(source);
          this.emitEvent(event);
        } else this.steadyAgain.set(source, { reads: 1, sinceMs: this.now(), event: steady?.event ?? event });
      } else if (!prev) this.sources[source] = { ok: true, message: '', sinceMs: this.now() };
      else if (steady && (++steady.reads >= STEADY_READS || this.now() - steady.sinceMs >= STEADY_MS)) {
        this.steadyAgain.delete(source);
        this.saidWhileFailing.delete(source);
        this.emitEvent({ ...steady.event, timeMs: this.now() });
      }
      return;
    }
    // Failing again before it was steady: the problem goes on, and one already said is not said again.
    this.steadyAgain.delete(source);
    const message = error instanceof Error ? error.message : describeError(error);
    const hint = isLeakbarError(error) ? error.hint : undefined;
    if (prev && !prev.ok && prev.message === message) return;
    this.sources[source] = { ok: false, message, ...(hint ? { hint } : {}), ...(isLeakbarError(error) ? { code: error.code } : {}), sinceMs: this.now() };
    // While a source keeps failing, each distinct problem is said once: one that alternates (refused, then a
    // timeout on a loaded machine, then refused again) does not print a line per tick.
    const said = this.saidWhileFailing.get(source) ?? new Set<string>();
    this.saidWhileFailing.set(source, said);
    if (said.has(message)) return;
    said.add(message);
    // An endpoint that answers every page with the same garbage fails each pprof source with the same message: say it once.
    if (Object.entries(this.sources).some(([s, st]) => s !== source && st && !st.ok && st.message === message)) return;
    const event: StatusEvent = { type: 'status', timeMs: this.now(), source, ok: false, message };
    if (hint) event.hint = hint;
    if (isLeakbarError(error)) event.code = error.code;
    this.emitEvent(event);
  }

  private emitEvent(event: WatchEvent): void {
    if (this.stopped) return;
    // A store that cannot write reports it through its own status, not through another event.
    if (!(event.type === 'status' && event.source === 'store')) this.store?.appendEvent(event);
    for (const l of this.eventListeners) l(event);
  }
}
