/** Linux procfs, read in-process (no spawn per tick): process figures, open FDs by type, the FD limit, smaps_rollup, and the process list. */
import { isLeakbarError, LeakbarError } from '../shared/errors.js';
import type { FdBreakdown, FdEntry, FdType, MemoryMap, MemoryRegion, ProcessFigures } from '../shared/types.js';
import { cpuPercentSince, errorCode, exitedZombie, matchProcesses, type ProcessListing } from './common.js';
import { summarizeFdGroups, type FdGroup } from './fds.js';
import { LINK_TOO_LONG, type CpuMark, type FileReader, type FoundProcess } from './types.js';

/** USER_HZ: the unit of /proc/PID/stat's times. 100 on every Linux architecture leakbar runs on (`getconf CLK_TCK`). */
export const CLK_TCK = 100;
/** Page size /proc/PID/stat's rss counts in (x86-64 and most arm64 kernels). Only a fallback: VmRSS is preferred. */
export const PAGE_BYTES = 4096;

/** The fields of /proc/PID/stat leakbar uses (see proc(5); field numbers in brackets). */
export interface ProcStat {
  pid: number;
  /** (2) the executable's name, without parentheses. */
  comm: string;
  /** (3) one-letter state: R, S, D, Z, T, t, X, I. */
  state: string;
  /** (4) parent PID. */
  ppid: number;
  /** (14) + (15) user + system CPU time, in clock ticks. */
  cpuTicks: number;
  /** (20) */
  numThreads: number;
  /** (22) start time after boot, in clock ticks. */
  startTicks: number;
  /** (23) */
  vsizeBytes: number;
  /** (24) resident set, in pages. */
  rssPages: number;
}

/**
 * Parses /proc/PID/stat. comm may hold spaces and parentheses, so the fields after it are read
 * from the last ')'.
 *
 * @throws LeakbarError 'parse-error' on anything else.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = close > open && open > 0 ? text.slice(close + 2).trim().split(/\s+/) : [];
  if (rest.length < 22) throw new LeakbarError('parse-error', `not a /proc/PID/stat line: ${JSON.stringify(text.slice(0, 60))}`);
  // rest[0] is field 3, so field n is rest[n - 3].
  const num = (field: number) => Number(rest[field - 3]);
  const stat: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: num(4),
    cpuTicks: num(14) + num(15),
    numThreads: num(20),
    startTicks: num(22),
    vsizeBytes: num(23),
    rssPages: num(24),
  };
  if (!Number.isFinite(stat.pid) || !Number.isFinite(stat.cpuTicks) || !Number.isFinite(stat.vsizeBytes)) {
    throw new LeakbarError('parse-error', `not a /proc/PID/stat line: ${JSON.stringify(text.slice(0, 60))}`);
  }
  return stat;
}

/** The fields of /proc/PID/status leakbar uses; null when the kernel leaves a line out (a zombie has no Vm* lines). */
export interface ProcStatus {
  name: string | null;
  /** One letter, as `State:\tS (sleeping)` starts. */
  state: string | null;
  ppid: number | null;
  vmRssBytes: number | null;
  vmSizeBytes: number | null;
  vmSwapBytes: number | null;
  threads: number | null;
}

/** Parses /proc/PID/status (`Key:\tvalue` lines; sizes in kB, which procfs means as KiB). */
export function parseProcStatus(text: string): ProcStatus {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) kv.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const kib = (key: string) => {
    const m = /^(\d+)\s*kB$/.exec(kv.get(key) ?? '');
    return m ? Number(m[1]) * 1024 : null;
  };
  const int = (key: string) => {
    const v = kv.get(key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
  };
  return {
    name: kv.get('Name') ?? null,
    state: kv.get('State')?.[0] ?? null,
    ppid: int('PPid'),
    vmRssBytes: kib('VmRSS'),
    vmSizeBytes: kib('VmSize'),
    vmSwapBytes: kib('VmSwap'),
    threads: int('Threads'),
  };
}

/** Boot time in epoch ms, from the `btime` line of /proc/stat. @throws LeakbarError 'parse-error' without one. */
export function parseBootTimeMs(procStatText: string): number {
  const m = /^btime\s+(\d+)/m.exec(procStatText);
  if (!m) throw new LeakbarError('parse-error', '/proc/stat has no btime line');
  return Number(m[1]) * 1000;
}

/** The soft "Max open files" limit from /proc/PID/limits; null when unlimited or absent. */
export function parseOpenFilesLimit(limitsText: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  return m && /^\d+$/.test(m[1]!) ? Number(m[1]) : null;
}

/** The figures of /proc/PID/smaps_rollup leakbar charts, in bytes (null when the kernel omits a line). */
export interface SmapsRollup {
  rssBytes: number | null;
  pssBytes: number | null;
  anonymousBytes: number | null;
  swapBytes: number | null;
}

/** Parses /proc/PID/smaps_rollup (`Key:   N kB` lines after the `[rollup]` header). */
export function parseSmapsRollup(text: string): SmapsRollup {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { rssBytes: kib('Rss'), pssBytes: kib('Pss'), anonymousBytes: kib('Anonymous'), swapBytes: kib('Swap') };
}

/** How many named regions a memory map keeps (largest resident first); the rest are summed in one row. */
export const SMAPS_MAX_REGIONS = 40;

const SMAPS_HEADER = /^[0-9a-f]+-[0-9a-f]+ [-rwxsp]{4} [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+ *(.*)$/;

/** The smaps figures a memory map adds up, with their colons (so `Pss:` is not `Pss_Dirty:`, nor `Swap:` `SwapPss:`). */
const SMAPS_KEYS = ['Size:', 'Rss:', 'Pss:', 'Shared_Dirty:', 'Private_Dirty:', 'Anonymous:', 'Swap:'] as const;

/** The bytes of a `   1234 kB` figure at text[from, end), or null when it is not one. */
function kibFigure(text: string, from: number, end: number): number | null {
  let i = from;
  while (i < end && text.charCodeAt(i) === 32) i++;
  let kib = 0;
  const digits = i;
  for (let c = text.charCodeAt(i); i < end && c >= 48 && c <= 57; c = text.charCodeAt(++i)) kib = kib * 10 + (c - 48);
  if (i === digits || i + 3 !== end || !text.startsWith(' kB', i)) return null;
  return kib * 1024;
}

/**
 * Parses /proc/PID/smaps into regions grouped by what they map: a file's path (" (deleted)" kept), a
 * kernel-named region ([heap], [stack], [vdso]…) or "[anon]" for anonymous mappings (a Go heap's arenas and
 * goroutine stacks live there). Per group: Size (virtual), Rss (resident), Shared_ + Private_Dirty (dirty),
 * Swap (swapped) and the number of mappings. Largest resident first; past {@link SMAPS_MAX_REGIONS} the rest
 * are summed in one "(N more)" row. Returns the mapping count too (what /proc/PID/maps lists).
 */
export function parseSmapsRegions(text: string): { regions: MemoryRegion[]; mappingCount: number; totals: SmapsRollup } {
  const groups = new Map<string, MemoryRegion>();
  let current: MemoryRegion | null = null;
  let mappingCount = 0;
  // smaps_rollup is these sums: one read of smaps gives both.
  const totals = { rssBytes: 0, pssBytes: 0, anonymousBytes: 0, swapBytes: 0 };
  // One pass by index, no line strings: a big process's smaps is tens of MB (about 25 lines per mapping).
  const n = text.length;
  for (let next = 0; next < n; ) {
    const pos = next;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    next = end + 1;
    const first = text.charCodeAt(pos);
    // A figure line starts with its key (upper case); a mapping's header with its hex address.
    if (first < 65 || first > 90) {
      const header = SMAPS_HEADER.exec(text.slice(pos, end));
      if (!header) continue;
      mappingCount++;
      const name = header[1]!.trim() || '[anon]';
      current = groups.get(name) ?? null;
      if (!current) groups.set(name, (current = { name, virtualBytes: 0, residentBytes: 0, dirtyBytes: 0, swappedBytes: 0, regionCount: 0 }));
      current.regionCount++;
      continue;
    }
    if (!current) continue;
    const key = SMAPS_KEYS.find((k) => text.startsWith(k, pos));
    if (key === undefined) continue;
    const bytes = kibFigure(text, pos + key.length, end);
    if (bytes === null) continue;
    if (key === 'Size:') current.virtualBytes += bytes;
    else if (key === 'Rss:') {
      current.residentBytes += bytes;
      totals.rssBytes += bytes;
    } else if (key === 'Shared_Dirty:' || key === 'Private_Dirty:') current.dirtyBytes += bytes;
    else if (key === 'Swap:') {
      current.swappedBytes += bytes;
      totals.swapBytes += bytes;
    } else if (key === 'Pss:') totals.pssBytes += bytes;
    else totals.anonymousBytes += bytes; // Anonymous:
  }
  const sorted = [...groups.values()].sort((a, b) => b.residentBytes - a.residentBytes || b.virtualBytes - a.virtualBytes || (a.name < b.name ? -1 : 1));
  if (sorted.length <= SMAPS_MAX_REGIONS) return { regions: sorted, mappingCount, totals };
  const kept = sorted.slice(0, SMAPS_MAX_REGIONS - 1);
  const rest = sorted.slice(SMAPS_MAX_REGIONS - 1);
  const other: MemoryRegion = { name: `(${rest.length} more)`, virtualBytes: 0, residentBytes: 0, dirtyBytes: 0, swappedBytes: 0, regionCount: 0 };
  for (const r of rest) {
    other.virtualBytes += r.virtualBytes;
    other.residentBytes += r.residentBytes;
    other.dirtyBytes += r.dirtyBytes;
    other.swappedBytes += r.swappedBytes;
    other.regionCount += r.regionCount;
  }
  return { regions: [...kept, other], mappingCount, totals };
}

/** The number of mappings in /proc/PID/maps (one per non-empty line). */
export function countMapsRegions(mapsText: string): number {
  let n = 0;
  let start = 0;
  while (start < mapsText.length) {
    let end = mapsText.indexOf('\n', start);
    if (end < 0) end = mapsText.length;
    if (end > start) n++;
    start = end + 1;
  }
  return n;
}

/** /proc/PID/cmdline (NUL-separated arguments) as one line, arguments joined by spaces. */
export function parseCmdline(text: string): string {
  return text.replace(/\0+$/, '').split('\0').join(' ').trim();
}

/** What an /proc/PID/fd/N link target says about the FD, before sockets are looked up. */
export type FdLink = { kind: 'typed'; type: FdType; name: string } | { kind: 'socket'; inode: string } | { kind: 'path'; name: string };

/**
 * Reads one /proc/PID/fd/N link target: `socket:[N]` (looked up later in /proc/PID/net/*),
 * `pipe:[N]`, `anon_inode:[eventpoll]` (older kernels: `anon_inode:eventpoll`), other anonymous
 * inodes, or a path (stat'ed later to tell files from directories and devices).
 */
export function parseFdLink(target: string): FdLink {
  if (target.startsWith('/')) return { kind: 'path', name: target };
  if (target.startsWith('socket:[')) return { kind: 'socket', inode: target.slice(8, -1) };
  if (target.startsWith('pipe:[')) return { kind: 'typed', type: 'pipe', name: target };
  if (target === 'anon_inode:[eventpoll]' || target === 'anon_inode:eventpoll') return { kind: 'typed', type: 'eventpoll', name: target };
  return { kind: 'typed', type: 'other', name: target };
}

/** A socket found in /proc/PID/net/*, by inode. */
export interface SocketInfo {
  type: FdType;
  /** lsof-like: `TCP 127.0.0.1:6060 (LISTEN)`, `TCP a:1->b:2 (ESTABLISHED)`, a unix socket's path, or `socket:[N]`. */
  name: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

/** "0100007F:1F90" → "127.0.0.1:8080"; the IPv6 form (32 hex digits, four little-endian words) → "[::1]:8080". */
export function decodeProcNetAddress(hex: string): string {
  const [addr = '', port = ''] = hex.split(':');
  const portNumber = parseInt(port, 16);
  const le32 = (word: string) => word.slice(6, 8) + word.slice(4, 6) + word.slice(2, 4) + word.slice(0, 2);
  if (addr.length === 8) {
    const b = le32(addr);
    const ip = [0, 2, 4, 6].map((i) => parseInt(b.slice(i, i + 2), 16)).join('.');
    return `${ip}:${portNumber}`;
  }
  if (addr.length === 32) {
    const b = [0, 8, 16, 24].map((i) => le32(addr.slice(i, i + 8))).join('');
    const groups = [];
    for (let i = 0; i < 32; i += 4) groups.push(b.slice(i, i + 4));
    try {
      return `${new URL(`http://[${groups.join(':')}]/`).hostname}:${portNumber}`;
    } catch {
      return hex;
    }
  }
  return hex;
}

/**
 * Reads /proc/PID/net/{tcp,tcp6,udp,udp6} into `into`: inode (column 10) → type and an lsof-like name.
 * Only inodes in `wanted` are kept and decoded.
 */
export function parseProcNetInet(text: string, protocol: 'TCP' | 'UDP', type: 'ipv4' | 'ipv6', wanted: ReadonlySet<string>, into: Map<string, SocketInfo>): void {
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const inode = f[9];
    if (f.length < 10 || inode === undefined || !wanted.has(inode)) continue;
    const local = decodeProcNetAddress(f[1]!);
    const remoteHex = f[2]!;
    const unconnected = /^0+:0+$/.test(remoteHex);
    const state = protocol === 'TCP' ? TCP_STATES[f[3]!] : undefined;
    let name = unconnected ? `${protocol} ${local}` : `${protocol} ${local}->${decodeProcNetAddress(remoteHex)}`;
    if (state) name += ` (${state})`;
    into.set(inode, { type, name });
  }
}

/** Reads /proc/PID/net/unix into `into`: inode (column 7) → 'unix' and its path (column 8) or `socket:[N]`. */
export function parseProcNetUnix(text: string, wanted: ReadonlySet<string>, into: Map<string, SocketInfo>): void {
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const inode = f[6];
    if (f.length < 7 || inode === undefined || !wanted.has(inode)) continue;
    into.set(inode, { type: 'unix', name: f[7] ?? `socket:[${inode}]` });
  }
}

/** Without a stat: /dev/shm and /dev/mqueue hold files; the rest of /dev are devices. */
function typeOfPathByName(path: string): FdType {
  return path.startsWith('/dev/') && !path.startsWith('/dev/shm/') && !path.startsWith('/dev/mqueue/') ? 'chr' : 'file';
}

/** How often listFds yields to the event loop while reading links (each readlink is a few µs). */
const YIELD_EVERY_FDS = 2048;

/** A socket's type and name as a breakdown saw it; `retryAtMs` set when no table had it. */
interface CachedSocket extends SocketInfo {
  retryAtMs: number | null;
}

/** How long a socket found in no table stays 'other' before the tables are read for it again. */
const SOCKET_MISS_RETRY_MS = 60_000;
/** How many processes' sockets the breakdown remembers. */
const SOCKET_CACHE_MAX_PIDS = 16;

/** The procfs collectors of one Linux machine, reading through `files`. */
export class Procfs {
  private bootTimeMs: Promise<number> | null = null;
  /** pid → socket inode → type and name, as of that pid's last FD listing. */
  private readonly socketCache = new Map<number, Map<string, CachedSocket>>();
  /**
   * pid → one of its threads still running, for a process whose main thread has exited while others
   * run: that thread is a zombie, and its /proc/PID status, fd, smaps and net are empty.
   */
  private readonly liveThreads = new Map<number, number>();

  /**
   * @param files the file reads (a copy of /proc in tests)
   * @param now epoch ms, for CPU marks. @default Date.now
   * @param procRoot where procfs is mounted. @default '/proc'
   */
  constructor(
    private readonly files: FileReader,
    private readonly now: () => number = Date.now,
    private readonly procRoot = '/proc',
  ) {}

  private path(pid: number | 'self', rest: string): string {
    return `${this.procRoot}/${pid}/${rest}`;
  }

  /** Where a process's own figures are: /proc/PID, or /proc/PID/task/TID once its main thread has exited. */
  private taskPath(pid: number, rest: string): string {
    const tid = this.liveThreads.get(pid);
    return tid === undefined ? this.path(pid, rest) : `${this.procRoot}/${pid}/task/${tid}/${rest}`;
  }

  /**
   * After /proc/PID/stat says Z or X: remembers and returns a thread of `pid` still running (the main
   * thread exited, the process did not), or forgets it and returns null (the whole process exited).
   */
  private async findLiveThread(pid: number): Promise<number | null> {
    const tids = await this.files.readdir(this.path(pid, 'task')).catch(() => []);
    for (const t of tids) {
      const tid = Number(t);
      if (tid === pid || !Number.isInteger(tid)) continue;
      const stat = await this.files.readFile(`${this.procRoot}/${pid}/task/${tid}/stat`).then(parseProcStat, () => null);
      if (stat && stat.state !== 'Z' && stat.state !== 'X') {
        this.liveThreads.set(pid, tid);
        return tid;
      }
    }
    this.liveThreads.delete(pid);
    return null;
  }

  /**
   * Runs `read` (which reads through {@link taskPath}); where it finds nothing because the running thread it read
   * through, the main thread having exited, has exited since, finds another and runs it once more.
   */
  private async viaTask<T>(pid: number, read: () => Promise<T>): Promise<T> {
    const tid = this.liveThreads.get(pid);
    try {
      return await read();
    } catch (e) {
      if (tid === undefined || !isLeakbarError(e, 'not-found')) throw e;
      const next = await this.findLiveThread(pid);
      if (next === null) throw exitedZombie(pid);
      if (next === tid) throw e;
      return read();
    }
  }

  /**
   * An FD folder that lists nothing may be a main thread's that has exited while other threads run:
   * true when that is so and the folder is now a running thread's (the caller reads it again).
   */
  private async movedToLiveThread(pid: number): Promise<boolean> {
    if (this.liveThreads.has(pid)) return false;
    const state = await this.files
      .readFile(this.path(pid, 'stat'))
      .then((t) => parseProcStat(t).state)
      .catch(() => null);
    return (state === 'Z' || state === 'X') && (await this.findLiveThread(pid)) !== null;
  }

  /** RSS (VmRSS, else stat's rss pages), VSZ, CPU % against `previous`, threads, state, start time, command line. */
  async readProcess(pid: number, previous: CpuMark | null): Promise<{ figures: ProcessFigures; mark: CpuMark }> {
    const statText = await this.files.readFile(this.path(pid, 'stat'));
    const atMs = this.now();
    const stat = parseProcStat(statText);
    // Z: exited, not yet reaped; X: dead. Either way its figures are zeros, not samples; unless only the
    // main thread exited and others run, which a process may do (pthread_exit in main): then its CPU,
    // threads and start time are still /proc/PID/stat's, and the rest is read through a running thread.
    if (stat.state === 'Z' || stat.state === 'X') {
      if ((await this.findLiveThread(pid)) === null) throw stat.state === 'Z' ? await this.zombieError(pid, stat.ppid) : exitedZombie(pid);
    } else this.liveThreads.delete(pid);
    const [statusText, cmdline] = await Promise.all([this.files.readFile(this.taskPath(pid, 'status')), this.files.readFile(this.taskPath(pid, 'cmdline')).catch(() => '')]);
    const status = parseProcStatus(statusText);
    const mark: CpuMark = { pid, cpuTimeMs: (stat.cpuTicks * 1000) / CLK_TCK, atMs };
    const bootMs = await this.bootTime().catch(() => null);
    const figures: ProcessFigures = {
      pid,
      rssBytes: status.vmRssBytes ?? stat.rssPages * PAGE_BYTES,
      vszBytes: status.vmSizeBytes ?? stat.vsizeBytes,
      cpuPercent: cpuPercentSince(previous, mark),
      threads: status.threads ?? stat.numThreads,
      state: status.state ?? stat.state,
      startTimeMs: bootMs === null ? null : bootMs + (stat.startTicks * 1000) / CLK_TCK,
    };
    const command = parseCmdline(cmdline);
    if (command) figures.command = command;
    return { figures, mark };
  }

  /**
   * A zombie's error: it has exited, and which parent has not reaped it (`ps -p` still lists it, `<defunct>`), so a
   * person who sees it there is told why it cannot be watched, not that there is no such process.
   */
  private async zombieError(pid: number, ppid: number): Promise<LeakbarError> {
    const parent = await this.files.readFile(this.path(ppid, 'comm')).then((t) => t.trim(), () => '');
    const who = `${parent ? `${parent}, ` : ''}PID ${ppid}`;
    return new LeakbarError('no-such-process', `process ${pid} has exited: it is a zombie, not yet reaped by its parent (${who})`, {
      hint: 'nothing of it is left to watch: its parent collects its exit status when it calls wait, or when it exits itself',
      reason: 'zombie',
    });
  }

  /**
   * After FDs vanished between the listing and their readlink: throws 'no-such-process' when the process has exited
   * (gone, or a zombie none of whose threads runs), as what was read then is what it was closing, not a breakdown.
   */
  private async checkRunning(pid: number): Promise<void> {
    const stat = parseProcStat(await this.files.readFile(this.path(pid, 'stat')));
    if ((stat.state === 'Z' || stat.state === 'X') && (await this.findLiveThread(pid)) === null) throw stat.state === 'Z' ? await this.zombieError(pid, stat.ppid) : exitedZombie(pid);
  }

  private bootTime(): Promise<number> {
    // btime does not change while the machine runs: read it once.
    this.bootTimeMs ??= this.files.readFile(`${this.procRoot}/stat`).then(parseBootTimeMs);
    return this.bootTimeMs;
  }

  /** The number of entries in /proc/PID/fd: its stat size where the kernel gives it, else one readdir; no readlink. */
  async countFds(pid: number): Promise<number> {
    const count = await this.viaTask(pid, async () => {
      const dir = this.taskPath(pid, 'fd');
      return (this.files.countLinks ? await this.files.countLinks(dir) : null) ?? (await this.files.readdir(dir)).length;
    });
    if (count === 0 && (await this.movedToLiveThread(pid))) return this.countFds(pid);
    return count;
  }

  /**
   * Every open FD with its type and name: a readdir and one readlink per FD; sockets looked up by
   * inode in /proc/PID/net/{unix,tcp,tcp6,udp,udp6} (each table read once, and only when there are
   * sockets), so names are fresh; each distinct path stat'ed once (to tell directories and devices
   * from files).
   */
  listFds(pid: number): Promise<FdEntry[]> {
    return this.readFds(pid, false);
  }

  private async readFds(pid: number, knownSocketsOnly: boolean): Promise<FdEntry[]> {
    let fdDir = this.taskPath(pid, 'fd');
    let links = await this.viaTask(pid, () => this.readLinks((fdDir = this.taskPath(pid, 'fd'))));
    if (links.length === 0 && (await this.movedToLiveThread(pid))) links = await this.readLinks((fdDir = this.taskPath(pid, 'fd')));
    const entries: FdEntry[] = [];
    const sockets: Array<{ entry: FdEntry; inode: string }> = [];
    const paths = new Map<string, { fd: string; entries: FdEntry[] }>();
    let vanished = 0;
    for (let i = 0; i < links.length; i += 2) {
      if (i > 0 && i % (2 * YIELD_EVERY_FDS) === 0) await new Promise<void>((ok) => setImmediate(ok));
      const fd = links[i]!;
      const target = links[i + 1]!;
      // The FD was closed between the listing and its readlink: skip it. If the process is gone, say so below.
      if (target === '') {
        vanished++;
        continue;
      }
      const link = parseFdLink(target);
      if (link.kind === 'typed') entries.push({ fd, type: link.type, name: link.name });
      else if (link.kind === 'socket') {
        const entry: FdEntry = { fd, type: 'other', name: target };
        sockets.push({ entry, inode: link.inode });
        entries.push(entry);
      } else {
        const entry: FdEntry = { fd, type: 'file', name: link.name };
        const seen = paths.get(link.name);
        if (seen) seen.entries.push(entry);
        else paths.set(link.name, { fd, entries: [entry] });
        entries.push(entry);
      }
    }
    if (vanished > 0) await this.checkRunning(pid);
    await Promise.all([this.typePaths(fdDir, paths), this.resolveSockets(pid, sockets, knownSocketsOnly)]);
    return entries;
  }

  /**
   * Every link in `fdDir`, flat: [fd, target, ...], '' for an FD closed meanwhile. One call where the
   * reader has readLinks (native/fdlinks.c); else a readdir and one readlink per FD, yielding to the
   * event loop every {@link YIELD_EVERY_FDS}.
   */
  private async readLinks(fdDir: string): Promise<string[]> {
    const all = this.files.readLinks ? await this.files.readLinks(fdDir) : null;
    if (all) return all;
    const names = await this.files.readdir(fdDir);
    const links: string[] = [];
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % YIELD_EVERY_FDS === 0) await new Promise<void>((ok) => setImmediate(ok));
      const fd = names[i]!;
      let target = '';
      try {
        target = await this.files.readlink(`${fdDir}/${fd}`);
      } catch (e) {
        // A path longer than the kernel will write is still an open FD: count it, named so.
        if (errorCode(e instanceof LeakbarError ? e.cause : e) === 'ENAMETOOLONG') target = LINK_TOO_LONG;
        else if (!isLeakbarError(e, 'not-found') && !isLeakbarError(e, 'no-such-process')) throw e;
      }
      links.push(fd, target);
    }
    return links;
  }

  private async typePaths(fdDir: string, paths: Map<string, { fd: string; entries: FdEntry[] }>): Promise<void> {
    const statType = this.files.statType?.bind(this.files);
    await Promise.all(
      [...paths].map(async ([name, { fd, entries }]) => {
        // Stat through the FD link, not the name: the name may be deleted, or in another mount namespace.
        const type = statType ? await statType(`${fdDir}/${fd}`).catch(() => typeOfPathByName(name)) : typeOfPathByName(name);
        for (const e of entries) e.type = type;
      }),
    );
  }

  /**
   * Types and names the sockets from /proc/PID/net/*. Reading tcp or tcp6 walks the kernel's whole
   * connection hash table (~4.5 ms each on a small VM, with a handful of sockets), so with
   * `knownSocketsOnly` (the periodic breakdown) a socket seen before keeps its cached type (a
   * socket's family never changes) and first-sighting name, and tables are read cheapest first
   * (unix, udp, udp6, tcp, tcp6) only until every new socket is found. listFds reads all five.
   */
  private async resolveSockets(pid: number, sockets: Array<{ entry: { type: FdType; name: string }; inode: string }>, knownSocketsOnly: boolean): Promise<void> {
    if (sockets.length === 0) {
      this.socketCache.delete(pid);
      return;
    }
    const nowMs = this.now();
    const cached = knownSocketsOnly ? this.socketCache.get(pid) : undefined;
    const next = new Map<string, CachedSocket>();
    const unknown = new Set<string>();
    for (const { inode } of sockets) {
      const c = cached?.get(inode);
      if (c && (c.retryAtMs === null || c.retryAtMs > nowMs)) next.set(inode, c);
      else unknown.add(inode);
    }
    if (unknown.size > 0) {
      const found = new Map<string, SocketInfo>();
      const tables: Array<[string, (text: string, wanted: ReadonlySet<string>) => void]> = [
        ['unix', (t, w) => parseProcNetUnix(t, w, found)],
        ['udp', (t, w) => parseProcNetInet(t, 'UDP', 'ipv4', w, found)],
        ['udp6', (t, w) => parseProcNetInet(t, 'UDP', 'ipv6', w, found)],
        ['tcp', (t, w) => parseProcNetInet(t, 'TCP', 'ipv4', w, found)],
        ['tcp6', (t, w) => parseProcNetInet(t, 'TCP', 'ipv6', w, found)],
      ];
      const read = (table: string) => this.files.readFile(this.taskPath(pid, `net/${table}`)).catch(() => '');
      if (knownSocketsOnly) {
        for (const [table, parse] of tables) {
          if (found.size === unknown.size) break;
          parse(await read(table), unknown);
        }
      } else {
        const texts = await Promise.all(tables.map(([table]) => read(table)));
        tables.forEach(([, parse], i) => parse(texts[i]!, unknown));
      }
      for (const inode of unknown) {
        // Not in these tables: netlink, packet, raw, or a TCP socket not yet bound. Look again in a minute.
        const info = found.get(inode);
        next.set(inode, info ? { ...info, retryAtMs: null } : { type: 'other', name: `socket:[${inode}]`, retryAtMs: nowMs + SOCKET_MISS_RETRY_MS });
      }
    }
    for (const { entry, inode } of sockets) {
      const info = next.get(inode)!;
      entry.type = info.type;
      entry.name = info.name;
    }
    this.socketCache.delete(pid);
    this.socketCache.set(pid, next);
    if (this.socketCache.size > SOCKET_CACHE_MAX_PIDS) this.socketCache.delete(this.socketCache.keys().next().value!);
  }

  /** The soft RLIMIT_NOFILE of the process, or null when unlimited. */
  async readFdLimit(pid: number): Promise<number | null> {
    return parseOpenFilesLimit(await this.viaTask(pid, () => this.files.readFile(this.taskPath(pid, 'limits'))));
  }

  /**
   * {@link listFds} summarised, with the FD limit from /proc/PID/limits. Sockets seen by an earlier
   * breakdown keep their cached type and name, so the socket tables are read only for new sockets.
   */
  async readFdBreakdown(pid: number, patterns: readonly string[]): Promise<FdBreakdown> {
    const [groups, limit] = await Promise.all([this.readFdGroups(pid), this.readFdLimit(pid)]);
    return summarizeFdGroups(groups, patterns, limit);
  }

  /**
   * The open FDs counted by link target, as a breakdown needs them: one record per distinct target
   * where the reader has groupLinks (native/fdlinks.c lists, reads and stats in one call, so 1,000
   * FDs on a few files cost no object each), else {@link readFds}' entries one by one. The same
   * rules as readFds: sockets typed from /proc/PID/net (cached), a path typed by a stat through
   * its FD's link, else by its name.
   */
  private async readFdGroups(pid: number): Promise<FdGroup[]> {
    const groupLinks = this.files.groupLinks?.bind(this.files);
    const asGroups = (entries: FdEntry[]) => entries.map((e): FdGroup => ({ type: e.type, name: e.name, count: 1 }));
    if (!groupLinks) return asGroups(await this.readFds(pid, true));
    let read = await this.viaTask(pid, () => groupLinks(this.taskPath(pid, 'fd')));
    if (read && read.groups.length === 0 && read.vanished === 0 && (await this.movedToLiveThread(pid))) read = await groupLinks(this.taskPath(pid, 'fd'));
    if (!read) return asGroups(await this.readFds(pid, true)); // too many links for one string
    if (read.vanished > 0) await this.checkRunning(pid);
    const groups: FdGroup[] = [];
    const sockets: Array<{ entry: FdGroup; inode: string }> = [];
    for (const g of read.groups) {
      const link = parseFdLink(g.target);
      const group: FdGroup = { type: 'other', name: g.target, count: g.count };
      if (link.kind === 'typed') Object.assign(group, { type: link.type, name: link.name });
      else if (link.kind === 'socket') sockets.push({ entry: group, inode: link.inode });
      else group.type = g.type ?? typeOfPathByName(link.name);
      groups.push(group);
    }
    await this.resolveSockets(pid, sockets, true);
    return groups;
  }

  /** smaps_rollup's Rss, Pss, Anonymous and Swap, and the number of mappings in /proc/PID/maps. */
  readMemoryMap(pid: number): Promise<MemoryMap> {
    return this.viaTask(pid, () => this.readMemoryMapOnce(pid));
  }

  private async readMemoryMapOnce(pid: number): Promise<MemoryMap> {
    const none = { physFootprintBytes: null, physFootprintPeakBytes: null, mallocZones: [] };
    // smaps, per mapping, gives the regions and (summed) the rollup's figures in one read.
    const smaps = await this.files.readFile(this.taskPath(pid, 'smaps')).catch((e: unknown) => {
      // Gone, or (read through a thread) that thread gone: not a kernel without smaps.
      if (isLeakbarError(e, 'no-such-process') || (this.liveThreads.has(pid) && isLeakbarError(e, 'not-found'))) throw e;
      return null;
    });
    if (smaps !== null) {
      const { regions, mappingCount, totals } = parseSmapsRegions(smaps);
      return { source: 'smaps', ...totals, regionCount: mappingCount, regions, ...none };
    }
    // Without smaps: the rollup for the figures, maps for the count.
    let rollupText: string;
    try {
      rollupText = await this.files.readFile(this.taskPath(pid, 'smaps_rollup'));
    } catch (e) {
      if (isLeakbarError(e, 'not-found')) {
        throw new LeakbarError('unsupported', 'this kernel has no /proc/PID/smaps_rollup', { hint: 'smaps_rollup needs Linux 4.14 or newer', cause: e });
      }
      throw e;
    }
    const regionCount = countMapsRegions(await this.files.readFile(this.taskPath(pid, 'maps')));
    return { source: 'smaps_rollup', ...parseSmapsRollup(rollupText), regionCount, regions: [], ...none };
  }

  /**
   * Every process's command line (NUL-separated arguments joined by spaces), from /proc/[0-9]+/cmdline.
   * A process whose main thread has exited shows an empty one there: its running thread's is read instead
   * (an empty command line is otherwise a kernel thread's, which is left out).
   */
  async listProcesses(): Promise<ProcessListing[]> {
    const pids = (await this.files.readdir(this.procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
    const cmdline = (path: string) => this.files.readFile(path).then(parseCmdline, () => '');
    const listing = await Promise.all(
      pids.map(async (pid) => {
        const command = await cmdline(this.path(pid, 'cmdline'));
        if (command !== '') return { pid, command };
        const state = await this.files.readFile(this.path(pid, 'stat')).then((t) => parseProcStat(t).state, () => null);
        if (state !== 'Z' || (await this.findLiveThread(pid)) === null) return { pid, command };
        return { pid, command: await cmdline(this.taskPath(pid, 'cmdline')) };
      }),
    );
    return listing.filter((p) => p.command !== '');
  }

  /** The PIDs above `pid`: its parent, grandparent, … up to (not including) init. */
  async ancestorsOf(pid: number): Promise<Set<number>> {
    const ancestors = new Set<number>();
    let at = pid;
    for (let depth = 0; depth < 64; depth++) {
      const stat = await this.files
        .readFile(this.path(at, 'stat'))
        .then(parseProcStat)
        .catch(() => null);
      if (!stat || stat.ppid <= 1 || ancestors.has(stat.ppid)) break;
      ancestors.add(stat.ppid);
      at = stat.ppid;
    }
    return ancestors;
  }

  /** Processes whose command line matches `pattern`, never `selfPid` nor its ancestors (see matchProcesses). */
  async findProcesses(pattern: RegExp, selfPid: number = process.pid): Promise<FoundProcess[]> {
    const [listing, ancestorPids] = await Promise.all([this.listProcesses(), this.ancestorsOf(selfPid)]);
    const found = matchProcesses(listing, pattern, { selfPid, ancestorPids });
    if (found.length < 2) return found;
    // Which is newest is their start times' to say, not their PIDs' (PIDs wrap around).
    const bootMs = await this.bootTime().catch(() => null);
    if (bootMs === null) return found;
    return Promise.all(
      found.map(async (f) => {
        const stat = await this.files.readFile(this.path(f.pid, 'stat')).then(parseProcStat, () => null);
        return stat ? { ...f, startTimeMs: bootMs + (stat.startTicks * 1000) / CLK_TCK } : f;
      }),
    );
  }
}
