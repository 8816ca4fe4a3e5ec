/** Domain types shared by every layer: what a sample, a target and a figure are. No Node, no Electron. */

/** Kinds of file descriptor leakbar tells apart (lsof's TYPE column and procfs link targets map onto these). */
export const FD_TYPES = ['file', 'dir', 'pipe', 'unix', 'ipv4', 'ipv6', 'eventpoll', 'kqueue', 'chr', 'other'] as const;
export type FdType = (typeof FD_TYPES)[number];

/** One open file descriptor. */
export interface FdEntry {
  /** The descriptor number as the OS names it ("3"), or lsof's name for non-numbered ones ("cwd", "txt"). */
  fd: string;
  type: FdType;
  /** Path, socket address or pipe id; empty when the OS gives none. */
  name: string;
}

/** What the FD collector reports each time it runs the full breakdown. */
export interface FdBreakdown {
  total: number;
  byType: Record<FdType, number>;
  /** Files open 4 or more times, most first, at most 20. */
  repeated: Array<{ name: string; count: number }>;
  /** Open descriptors whose name contains each configured path pattern. */
  patterns: Array<{ pattern: string; count: number }>;
  /** RLIMIT_NOFILE soft limit, when known. */
  limit: number | null;
}

/** Process figures from procfs (Linux) or ps (macOS). */
export interface ProcessFigures {
  pid: number;
  rssBytes: number;
  vszBytes: number;
  /** CPU share since the previous reading (100 = one core); null on the first reading. */
  cpuPercent: number | null;
  threads: number;
  /** One-letter state as ps shows it (R, S, D, Z, T, …). */
  state: string;
  /** When the process started, epoch ms. */
  startTimeMs: number | null;
  /** The command line, arguments joined by spaces. */
  command?: string;
}

/** One region type of a memory map (a vmmap summary row). Sizes in bytes. */
export interface MemoryRegion {
  name: string;
  virtualBytes: number;
  residentBytes: number;
  dirtyBytes: number;
  swappedBytes: number;
  regionCount: number;
}

/** One malloc zone of a vmmap summary. */
export interface MallocZone {
  name: string;
  virtualBytes: number;
  residentBytes: number;
  dirtyBytes: number;
  swappedBytes: number;
  allocationCount: number;
  allocatedBytes: number;
}

/** The memory map: Linux smaps figures (summed from smaps, or smaps_rollup's where smaps cannot be read), or macOS vmmap's summary. Sizes in bytes. */
export interface MemoryMap {
  /** Where the figures came from: smaps (with its regions), smaps_rollup (totals only), or vmmap. */
  source: 'smaps' | 'smaps_rollup' | 'vmmap';
  rssBytes: number | null;
  pssBytes: number | null;
  anonymousBytes: number | null;
  swapBytes: number | null;
  regionCount: number | null;
  /** macOS: vmmap's physical footprint and its peak. */
  physFootprintBytes: number | null;
  physFootprintPeakBytes: number | null;
  regions: MemoryRegion[];
  mallocZones: MallocZone[];
}

/** `# runtime.MemStats` from `heap?debug=1`: every `# Name = value` line with a single number, by name. */
export type MemStats = Record<string, number>;

/** What a Go program's pprof endpoint says of its runtime. */
export interface GoFigures {
  goroutines: number | null;
  memStats: MemStats | null;
}

/**
 * One row of a target's history: the flat figures charts, detectors and the CSV read.
 * A field is absent when its collector did not run this tick or failed.
 */
export interface Sample {
  /** Epoch ms when the tick started. */
  timeMs: number;
  pid: number;
  rssBytes?: number;
  vszBytes?: number;
  cpuPercent?: number;
  threads?: number;
  fds?: number;
  fdLimit?: number;
  goroutines?: number;
  heapAllocBytes?: number;
  heapInuseBytes?: number;
  heapSysBytes?: number;
  heapReleasedBytes?: number;
  sysBytes?: number;
  numGC?: number;
  swapBytes?: number;
  pssBytes?: number;
  physFootprintBytes?: number;
  physFootprintPeakBytes?: number;
  regionCount?: number;
  /** Goroutines the Go runtime itself reports as leaked (Go 1.26+ `goroutineleak` profile). */
  leakedGoroutines?: number;
}

/** Numeric figure names of a Sample (everything but time and pid). */
export type FigureName = Exclude<keyof Sample, 'timeMs' | 'pid'>;

/** How to find the process to watch. */
export type TargetSelector = { pid: number } | { match: string };

/** A watched target. */
export interface TargetConfig {
  /** Stable id, safe in paths and URLs ([a-z0-9-]). */
  id: string;
  /** A name for people. */
  name: string;
  selector: TargetSelector;
  /** pprof base URL ending in `/debug/pprof/`, or null for a process without one. */
  pprofUrl: string | null;
  /** Path substrings counted among open FDs. @default ['.claude/projects', '.codex/sessions'] */
  fdPatterns: string[];
}

/** The default pprof base URL (what `SIDECAR_PPROF=1` serves). */
export const DEFAULT_PPROF_URL = 'http://127.0.0.1:6060/debug/pprof/';
/** The default path patterns counted among open FDs. */
export const DEFAULT_FD_PATTERNS = ['.claude/projects', '.codex/sessions'];
