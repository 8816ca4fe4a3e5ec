/** ps (macOS): process figures, the thread count (`ps -M`), and the process list, each one spawn with an argument array. */
import { LeakbarError } from '../shared/errors.js';
import { exitedZombie } from './common.js';
import type { ExecFn } from './types.js';

/** Where macOS keeps ps. */
export const PS_PATH_DARWIN = '/bin/ps';

/**
 * The columns leakbar asks ps for, every header blanked with `=`. `time` (cumulative CPU time)
 * rather than `%cpu`: macOS's %cpu is a decaying average, while two `time` readings give the CPU
 * share between them, as on Linux. `lstart` is five words; `command` goes last because it has spaces.
 */
export const PS_FIGURES_COLUMNS = 'pid=,ppid=,rss=,vsz=,time=,state=,lstart=,command=';

/** One process's figures as ps prints them, converted to leakbar's units. */
export interface PsFigures {
  pid: number;
  ppid: number;
  rssBytes: number;
  vszBytes: number;
  cpuTimeMs: number;
  /** The first letter of ps's state (R, S, I, U, Z, T). */
  state: string;
  startTimeMs: number | null;
  command: string;
}

/** ps's `time`: `[[dd-]hh:]mm:ss[.cc]` (macOS prints `0:01.23`, procps `00:00:01`) → ms, or null. */
export function parsePsCpuTime(text: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) return null;
  const [, days = '0', hours = '0', minutes, seconds] = m;
  return Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ps's `lstart` words in the C locale (`Mon Nov 24 15:32:01 2025`, local time) → epoch ms, or null. */
export function parseLstart(words: readonly string[]): number | null {
  const [, month = '', day = '', time = '', year = ''] = words;
  const mi = MONTHS.indexOf(month);
  const t = /^(\d+):(\d+):(\d+)$/.exec(time);
  if (mi < 0 || !t || !/^\d+$/.test(day) || !/^\d{4}$/.test(year)) return null;
  return new Date(Number(year), mi, Number(day), Number(t[1]), Number(t[2]), Number(t[3])).getTime();
}

/**
 * Parses one line of `ps -o pid=,ppid=,rss=,vsz=,time=,state=,lstart=,command= -p PID` (rss and vsz in KiB).
 *
 * @throws LeakbarError 'no-such-process' when the output is empty (ps found no such PID),
 *   'parse-error' when the line does not have those columns.
 */
export function parsePsFigures(text: string): PsFigures {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) throw new LeakbarError('no-such-process', 'ps lists no such process', { hint: 'it has exited' });
  const w = line.trim().split(/\s+/);
  const [pid = '', ppid = '', rss = '', vsz = '', time = '', state = ''] = w;
  const cpuTimeMs = parsePsCpuTime(time);
  if (w.length < 11 || ![pid, ppid, rss, vsz].every((x) => /^\d+$/.test(x)) || cpuTimeMs === null) {
    throw new LeakbarError('parse-error', `unexpected ps output: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return {
    pid: Number(pid),
    ppid: Number(ppid),
    rssBytes: Number(rss) * 1024,
    vszBytes: Number(vsz) * 1024,
    cpuTimeMs,
    state: state.slice(0, 1),
    startTimeMs: parseLstart(w.slice(6, 11)),
    command: w.slice(11).join(' '),
  };
}

/**
 * Counts threads in `ps -M -p PID` output (also `ps -Mfc`): one line per thread after the header;
 * the first thread's line carries the process columns, the rest leave them blank.
 */
export function parsePsThreads(text: string): number {
  let threads = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^USER\s/.test(line)) continue;
    threads++;
  }
  return threads;
}

/** A line of `ps -axo pid=,ppid=,command=`. */
export interface PsListing {
  pid: number;
  ppid: number;
  command: string;
}

/** Parses `ps -axo pid=,ppid=,command=`; lines that do not start with two numbers are skipped. */
export function parsePsList(text: string): PsListing[] {
  const out: PsListing[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s?(.*)$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), ppid: Number(m[2]), command: m[3]!.trim() });
  }
  return out;
}

/** The PIDs above `pid` in a listing: parent, grandparent, … up to (not including) launchd/init. */
export function ancestorsInListing(listing: readonly PsListing[], pid: number): Set<number> {
  const parentOf = new Map(listing.map((p) => [p.pid, p.ppid]));
  const ancestors = new Set<number>();
  let at = pid;
  for (let depth = 0; depth < 64; depth++) {
    const ppid = parentOf.get(at);
    if (ppid === undefined || ppid <= 1 || ancestors.has(ppid)) break;
    ancestors.add(ppid);
    at = ppid;
  }
  return ancestors;
}

/** Options of the ps runners. */
export interface PsRunOptions {
  timeoutMs: number;
  /** @default PS_PATH_DARWIN */
  psPath?: string;
  /** Kills the ps under way. */
  signal?: AbortSignal;
}

/** Runs ps for one process's figures. ps exits 1 with no output for a PID that is gone. */
export async function runPsFigures(pid: number, exec: ExecFn, options: PsRunOptions): Promise<PsFigures> {
  const stdout = await exec(options.psPath ?? PS_PATH_DARWIN, ['-o', PS_FIGURES_COLUMNS, '-p', String(pid)], { timeoutMs: options.timeoutMs, allowExitCodes: [0, 1], signal: options.signal });
  if (stdout.trim() === '') throw new LeakbarError('no-such-process', `process ${pid} is gone`, { hint: 'ps lists no such process; it has exited' });
  const figures = parsePsFigures(stdout);
  if (figures.state === 'Z') throw exitedZombie(pid);
  return figures;
}

/** Runs `ps -M -p PID` and counts the threads. */
export async function runPsThreads(pid: number, exec: ExecFn, options: PsRunOptions): Promise<number> {
  const stdout = await exec(options.psPath ?? PS_PATH_DARWIN, ['-M', '-p', String(pid)], { timeoutMs: options.timeoutMs, allowExitCodes: [0, 1], signal: options.signal });
  return parsePsThreads(stdout);
}

/** Runs `ps -axo pid=,ppid=,command=`: every process with its parent and full command line. */
export async function runPsList(exec: ExecFn, options: PsRunOptions): Promise<PsListing[]> {
  return parsePsList(await exec(options.psPath ?? PS_PATH_DARWIN, ['-axo', 'pid=,ppid=,command='], { timeoutMs: options.timeoutMs, signal: options.signal }));
}
