/** The seam between the engine and the OS: what each collector takes (injected exec, fetch, file reads) and returns. */
import type { FdBreakdown, FdEntry, FdType, GoFigures, MemoryMap, MemStats, ProcessFigures } from '../shared/types.js';

/**
 * Runs a program with an argument array (never a shell) and returns its stdout; rejects with a LeakbarError.
 * `allowExitCodes` lists exit codes that still resolve with stdout (`ps -p` and `lsof -p` exit 1
 * for a PID that is gone; the caller reads the empty output). @default [0]
 */
export type ExecFn = (file: string, args: readonly string[], options: { timeoutMs: number; allowExitCodes?: readonly number[]; signal?: AbortSignal }) => Promise<string>;

/**
 * An HTTP GET with a timeout; resolves for any status, rejects with a LeakbarError on refusal or timeout.
 * `signal`, when given, cancels the GET (closing its connection) the moment it aborts.
 */
export type FetchFn = (
  url: string,
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    /** The most of the answer to read (see httpGet). */
    maxBytes?: number;
    /** Only the answer's first and last bytes are needed (see httpGet): its memory stays bounded, whatever its length. */
    keep?: { head: number; tail: number };
  },
) => Promise<{ status: number; contentType: string; body: Uint8Array }>;

/** The file reads the procfs collectors make (injected so tests can point them at a copy of /proc). */
export interface FileReader {
  readFile(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  /**
   * What a stat of `path` (following links) says it is: 'file', 'dir', 'chr', 'pipe' (a FIFO),
   * 'unix' (a socket file) or 'other'. Optional: without it procfs FDs with a path are 'chr' under
   * /dev/ and 'file' elsewhere.
   */
  statType?(path: string): Promise<FdType>;
  /**
   * Every link in a /proc/PID/fd folder in one call, flat: [fd, target, fd, target, ...], the
   * target '' for an FD closed between the listing and its readlink, {@link LINK_TOO_LONG} for one
   * whose path the kernel will not write. Null when the listing is too large for one call: read the
   * links one {@link readlink} at a time then, as without it (it is optional).
   */
  readLinks?(dir: string): Promise<string[] | null>;
  /**
   * The same links grouped by target, for a breakdown: each distinct target once with how many FDs
   * hold it, the first such FD, and, for a path, what a stat through that FD's link says it is
   * (null where the stat failed, or for a target that is not a path); `vanished` counts FDs closed
   * between the listing and their readlink. Null when too large for one call. Optional.
   */
  groupLinks?(dir: string): Promise<{ vanished: number; groups: LinkGroup[] } | null>;
  /**
   * How many FDs a /proc/PID/fd folder holds without listing it: its stat size (Linux 6.2 and
   * later). Null where the kernel gives 0 (older kernels, or no FDs): list the folder then. Optional.
   */
  countLinks?(dir: string): Promise<number | null>;
}

/** FDs holding one link target, as {@link FileReader.groupLinks} gives them. */
export interface LinkGroup {
  fd: string;
  target: string;
  count: number;
  type: FdType | null;
}

/** The target given for an FD whose path is longer than the kernel will write (readlink's ENAMETOOLONG). */
export const LINK_TOO_LONG = '(path too long)';

/** What CPU % needs from the previous reading of the same process. */
export interface CpuMark {
  pid: number;
  cpuTimeMs: number;
  atMs: number;
}

/** A process found by a command-line match. */
export interface FoundProcess {
  pid: number;
  command: string;
  /** When it started (epoch ms), where the platform lists it cheaply (Linux); the newest is the one to follow. */
  startTimeMs?: number;
}

/** The collectors of one platform; every method rejects with a LeakbarError whose message says what is wrong. */
export interface Collectors {
  readonly platform: 'linux' | 'darwin';
  // Each reading takes an optional `signal` that ends it: on macOS the ps, lsof or vmmap it runs is killed
  // (on Linux the reads are in-process and short, and run to their end).
  /** RSS, VSZ, CPU % (against `previous`), threads, state, start time. */
  readProcess(pid: number, previous: CpuMark | null, signal?: AbortSignal): Promise<{ figures: ProcessFigures; mark: CpuMark }>;
  /** The number of open FDs only, as cheaply as the platform allows. */
  countFds(pid: number, signal?: AbortSignal): Promise<number>;
  /** The full FD breakdown: types, repeated files, path patterns, limit. */
  readFdBreakdown(pid: number, patterns: readonly string[], signal?: AbortSignal): Promise<FdBreakdown>;
  /**
   * Every open FD with its type and name (path, socket address, pipe id): what a capture's system
   * snapshot stores and the FD diff compares. Optional until each platform implements it; captures
   * fall back to readFdBreakdown's types and repeated files without it.
   */
  listFds?(pid: number, signal?: AbortSignal): Promise<FdEntry[]>;
  /**
   * The FD limit (RLIMIT_NOFILE's soft value; null when unlimited) alone, where the platform can read it without the
   * FD list: on Linux /proc/PID/limits is readable for another user's process whose /proc/PID/fd is not.
   */
  readFdLimit?(pid: number, signal?: AbortSignal): Promise<number | null>;
  /** smaps_rollup on Linux, vmmap --summary on macOS. */
  readMemoryMap(pid: number, signal?: AbortSignal): Promise<MemoryMap>;
  /** Processes whose full command line matches `pattern` (like pgrep -f), never leakbar itself. */
  findProcesses(pattern: RegExp, signal?: AbortSignal): Promise<FoundProcess[]>;
  // The pprof readers below take an optional `signal` that cancels the GET under way (its socket closes at once).
  /** Goroutine count from the pprof endpoint at `pprofUrl` (ends in /debug/pprof/). */
  readGoroutineCount(pprofUrl: string, signal?: AbortSignal): Promise<number>;
  /** The `# runtime.MemStats` section of heap?debug=1. */
  readMemStats(pprofUrl: string, signal?: AbortSignal): Promise<MemStats>;
  /** Go 1.26's leaked-goroutine count (`goroutineleak` profile), or null when the runtime has none. */
  readGoroutineLeakCount(pprofUrl: string, signal?: AbortSignal): Promise<number | null>;
  /** The command line of the program serving the pprof endpoint, arguments joined by spaces; null when it has no `cmdline` page. */
  readPprofCmdline(pprofUrl: string, signal?: AbortSignal): Promise<string | null>;
}

export type { GoFigures };
