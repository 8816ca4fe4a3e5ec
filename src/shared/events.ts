/** Events a watcher reports besides samples: restarts and collector status changes (alerts live in alerts.ts). */

/** The process we follow was replaced by a new one matching the same target. */
export interface RestartEvent {
  type: 'restart';
  timeMs: number;
  oldPid: number;
  newPid: number;
}

/** A source (a collector) started failing, or recovered. Reported once per change, never per tick. */
export interface StatusEvent {
  type: 'status';
  timeMs: number;
  /** The collector: process, fds, fd-breakdown, goroutines, memstats, memory-map, target, store. */
  source: string;
  ok: boolean;
  /** What is wrong (empty when ok). */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** A failure's LeakbarError code; on an ok status, the kind of note: `several-match`, or `took-over` (the store records after another leakbar did). */
  code?: string;
}

export type WatchEvent = RestartEvent | StatusEvent;
