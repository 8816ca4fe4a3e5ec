/** A target's state as every UI shows it: which process, each source's health and cost, the latest figures. */
import type { FdBreakdown, MemoryMap, MemStats, ProcessFigures, Sample } from './types.js';

/** The sources a watcher reads, each with its own status and cost. */
export const SOURCES = ['target', 'pprof', 'process', 'fds', 'goroutines', 'fd-breakdown', 'memstats', 'memory-map', 'store'] as const;
export type SourceName = (typeof SOURCES)[number];

/** One source's health. */
export interface SourceStatus {
  ok: boolean;
  message: string;
  hint?: string;
  /** The error's code, when it had one (e.g. 'busy': another leakbar records the history). */
  code?: string;
  sinceMs: number;
}

/** What one source has cost: runs, failures and wall time. */
export interface SourceCost {
  source: SourceName;
  runs: number;
  failures: number;
  lastMs: number;
  totalMs: number;
}

/** What one periodic job has cost so far. */
export interface JobCost {
  name: string;
  intervalMs: number;
  runs: number;
  /** Ticks skipped because the previous run was still going. */
  skipped: number;
  failures: number;
  lastMs: number;
  totalMs: number;
  maxMs: number;
}

/** Everything a UI needs to show a target now. */
export interface WatcherStatus {
  targetId: string;
  pid: number | null;
  command: string | null;
  /** watching: figures are coming; waiting: no process yet (or it exited); stopped. */
  state: 'watching' | 'waiting' | 'stopped';
  sources: Partial<Record<SourceName, SourceStatus>>;
  lastSample: Sample | null;
  process: ProcessFigures | null;
  fdBreakdown: FdBreakdown | null;
  memStats: MemStats | null;
  memoryMap: MemoryMap | null;
  costs: SourceCost[];
  jobs: JobCost[];
}
